#pragma once
// papo-server's I/O: loads the retained registry, then serves requests and
// watches traffic on its own persistent session, carrying out server_core's actions.
#include "papo/server/broker_backend.h"
#include "papo/server/message_store.h"
#include "papo/server/registry_file.h"
#include "papo/server/ejabberd_backend.h"
#include "papo/server/server_core.h"
#include "papo/session.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <unordered_set>
#include <future>
#include <map>
#include <memory>
#include <optional>

namespace papo {

struct server_config {
    session_options broker;  // broker URI and credentials; the client id is papo-server's own
    std::chrono::milliseconds snapshot_interval{100};
    // --max-waiting-messages, --max-waiting-bytes (0: no limit): a queue at either is full.
    queue_limits limits;
    bool no_accounts = false;  // an open broker: skip dynamic-security commands
    std::string state_dir = "data/server";  // papo-server's own copy of the registry, and its message store
    std::size_t history_posts = 50;         // --history: posts kept per topic for topics.history
    std::size_t replay_connections = 8;     // queue sessions remade at once after a broker restart
    // --max-answer-bytes: no answer larger (the broker's max_packet_size, 4 MiB in the
    // project's mosquitto.conf, less room for the topic and properties).
    std::size_t max_answer_bytes = 4 * 1024 * 1024 - 64 * 1024;
    // A broker that loses wills (ejabberd: a node that dies): how often those online are
    // checked for a live session.
    std::chrono::milliseconds presence_check_interval{3000};
    // Set: the broker is ejabberd (accounts through its HTTP API); else Mosquitto's dynsec.
    std::optional<ejabberd_api> ejabberd;
    std::vector<std::string> ejabberd_other_urls;  // the other nodes' HTTP APIs
};

class server_runner {
public:
    explicit server_runner(server_config config);
    // Runs until `stop` turns true; throws papo::error when the broker cannot be reached at start.
    void run(const std::atomic<bool>& stop);

private:
    // Loads the retained registry, merges it with the saved copy and returns the repairs.
    std::vector<server_action> load_registry();
    void dispatch(const inbound& message);
    // A request: its plan is carried out, then committed, saved and answered.
    void answer(const inbound& request);
    // Carries out actions in order; false (with the reason) at the first that fails.
    bool execute(const std::vector<server_action>& actions, std::string& failure);
    session_options options_for(const std::string& client_id, bool persistent) const;
    // Publishes the snapshot of every full queue and of every queue whose full state
    // changed: after each (re)connect, as the broker plugin forgets them in a restart.
    bool publish_full_states();
    // server/v1/status, retained: "online" while serving; "offline" as it stops.
    void publish_status(bool online, const std::string& since);
    // The store follows what an answered plan did to the queues (purges, confirmations).
    void store_plan(const server_plan& plan);
    // Messages a queue's own connection took from its session (repair_queue): kept, as
    // they left the broker.
    void keep_taken(const std::string& queue, const std::vector<inbound>& taken);
    // broker/epoch: a new value means the broker restarted and may have lost messages.
    void on_epoch(const inbound& message);
    // After a broker restart: every queue session made again (in parallel), then every
    // unconfirmed message in the store published again, in the order it came. False if
    // the broker went away meanwhile (tried again 2 s later).
    bool replay();
    // Ends the store's open batch when it is due (one fsync per batch).
    void commit_store(bool now);
    // A broker that loses wills: those believed online without a live session are marked
    // offline, as their will would have. The broker is asked in the background.
    void check_presence();

    server_config config_;
    server_core core_;
    std::unique_ptr<registry_file> saved_;  // the copy in --state-dir
    std::unique_ptr<message_store> store_;  // every message until its reader confirms it
    std::optional<std::string> known_epoch_;  // the broker start the store is in step with
    std::optional<std::string> new_epoch_;    // a later start, whose replay is due
    std::chrono::steady_clock::time_point next_replay_{};  // after a failed replay: a pause
    std::size_t batch_writes_ = 0;
    std::chrono::steady_clock::time_point batch_started_{};
    std::unique_ptr<broker_backend> backend_;  // accounts, topic rights, queue sessions
    session_ptr main_;
    // Where answers, the registry, snapshots and the status are published: main_, or
    // (publishing_ends_sessions) a connection of its own, so that a crash of a publisher's
    // session never takes papo-server's subscriptions and the traffic waiting for it.
    session* out_ = nullptr;
    session_ptr own_out_;
    // On a cluster (publishing_ends_sessions and --other-broker): a second watching session
    // on the other node, so that a message published while main_'s node dies and papo-server
    // moves is still seen. Every message then comes twice: the second copy is dropped.
    session_ptr second_watch_;
    bool second_watch_subscribed_ = false;
    bool second_watch_connected_once_ = false;  // from then on Paho reconnects it by itself
    std::future<void> second_watch_connecting_;  // a first connect, off the serving loop
    std::chrono::steady_clock::time_point next_second_watch_try_{};
    std::unordered_set<std::size_t> recent_;                              // copies taken lately
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::size_t>> recent_order_;
    // The next message of either watching session, or nullopt within `timeout`.
    std::optional<inbound> next_watched(std::chrono::milliseconds timeout);
    // False for a copy of a message taken in the last 2 minutes (second_watch_ only).
    bool first_copy(const inbound& message);
    void keep_second_watch();
    std::future<std::vector<std::string>> presence_check_;  // a question to the backend under way
    std::map<std::string, std::uint64_t> presence_seen_;     // presence messages taken, per user
    std::map<std::string, std::uint64_t> presence_asked_;    // ... when the question was asked
    std::chrono::steady_clock::time_point next_presence_check_{};
    std::size_t malformed_ = 0;
    std::size_t refused_ = 0;  // requests whose response topic was not the asker's
};

}  // namespace papo
