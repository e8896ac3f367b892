#pragma once
// papo-server's decisions, with no I/O: feed it requests and observed traffic, get
// back plans: the answer, the actions to carry out on the broker, and the registry
// change. A plan changes nothing by itself: the runner carries out its actions and
// only when every one succeeded calls commit(), then saves and answers. Unit-tested
// without a broker; server_runner wires it to a real connection.
#include "papo/server/queue_accounting.h"
#include "papo/server/registry.h"

#include "papo/numbering.h"
#include "papo/requests.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo {

// The name papo-admin asks under; only it may run the manager's commands.
inline constexpr const char* admin_name = "papo-admin";

// What a queue's session subscribes: its inbox and receipts, and its topics' posts
// with No Local (a member's own posts do not come back to it).
struct queue_subscriptions {
    std::vector<std::string> inbox;  // users/<name>/inbox/+, users/<name>/receipts/+
    std::vector<std::string> posts;  // topics/<topic>/+ per joined topic
    bool operator==(const queue_subscriptions& o) const { return inbox == o.inbox && posts == o.posts; }
};

// One thing to do on the broker. The runner does publish_retained on its own session and
// everything else through the broker_backend (broker_backend.h), which names them alike.
struct server_action {
    enum class kind {
        publish_retained,  // topic + payload; an empty payload deletes the retained message
        create_account,    // name + password, role papo-user (a stale account of the name is replaced)
        delete_account,    // name; its live connections are closed
        set_password,      // name + password
        grant_topic,       // topic: members may post to it and subscribe it
        revoke_topic,      // topic: posting to it is refused
        open_queue,        // name + subscriptions: a new, empty persistent session
        wipe_queue,        // name: its session ends with the messages it holds
        repair_queue,      // name + subscriptions, no longer `dropped`; keeps its messages (made if missing)
    };
    kind type;
    std::string name;   // the account or queue
    std::string topic;  // publish_retained: the MQTT topic; grant/revoke_topic: the chat topic
    std::string payload;
    std::string password;
    queue_subscriptions subscriptions;
    std::vector<std::string> dropped;
    bool is_queue = false;  // create_account: a named queue's account
    // publish_retained: MQTT v5 user properties on the PUBLISH (a queue snapshot's
    // queue_full_property, messages.h).
    std::vector<std::pair<std::string, std::string>> user_properties{};
};

// A change to queue counts that commit() applies.
struct count_change {
    std::string queue;
    bool purge = false;                  // queues.purge: nothing waits any more
    std::vector<std::string> confirmed;  // users.confirm: these ids were shown already
};

// topics.history: the runner fills the answer's posts from its message store.
struct history_query {
    std::string topic;   // the registered spelling
    std::size_t limit = 0;  // 0: papo-server's --history
};

// What one request leads to.
struct server_plan {
    std::string command = "unknown";
    // The answer: a refusal, or the success to send once the actions are carried out.
    nlohmann::json response;
    std::vector<server_action> actions;  // in order; every one must succeed
    std::vector<server_action> undo;     // when one failed: puts the broker back (best effort)
    registry_change change;              // applied by commit() only
    std::optional<count_change> counts;  // applied by commit() only
    std::optional<history_query> history;  // the answer's posts, from the store
    std::optional<count_change> replay;     // users.replay: publish these ids of the queue again
    bool accepted() const { return response.value("ok", false); }
};

// What restore() found the broker had lost or kept too long, for the log.
struct restore_summary {
    std::vector<std::string> republished_users, remade_queues, removed_users;  // users and named queues
    std::vector<std::string> republished_topics, removed_topics;
    bool empty() const {
        return republished_users.empty() && removed_users.empty() && republished_topics.empty() &&
               removed_topics.empty();
    }
};

struct restore_plan {
    std::vector<server_action> actions;  // the repairs, to carry out before serving
    restore_summary summary;
};

class server_core {
public:
    explicit server_core(queue_limits limits = {}) : accounting_(limits) {}

    // Loading the retained registry at start-up.
    void load_user(const user_record& user);
    void load_topic(const topic_record& topic);
    void load_queue(const queue_snapshot& snapshot);
    // Loading at start-up when papo-server has its own copy of the registry (registry_file.h):
    // that copy is the authority, since papo-server saved every change there before
    // answering, while the broker loses what changed since its last autosave. Loads
    // `local` (and the counts of the queues the broker kept) and returns the repairs that
    // make the broker's `retained` registry match it: entries and queue sessions the
    // broker lost are made again, entries that were removed are removed again.
    // `counts_from_snapshots` false: the counts come from papo-server's message store
    // (load_waiting), and the snapshots only tell which stale ones to remove.
    restore_plan restore(const registry_copy& local, const registry_copy& retained,
                         const std::vector<queue_snapshot>& snapshots, bool counts_from_snapshots = true);
    // At start-up, from the message store: this message waits in the queue (if it still exists).
    void load_waiting(const std::string& queue, const std::string& sender, const std::string& id,
                      std::uint64_t bytes);

    // A request from `from` (a user's name, or admin_name): its plan. Changes nothing.
    server_plan handle(const std::string& from, const nlohmann::json& request) const;
    // Applies an accepted plan's registry and count changes, after its actions succeeded.
    void commit(const server_plan& plan);

    // Traffic papo-server observes on the broker; `bytes` is the PUBLISH's payload size.
    // Each returns the queues the message now waits in (what the store keeps).
    std::vector<std::string> on_direct_message(const std::string& to, const std::string& from, const std::string& id,
                           std::uint64_t bytes = 0);
    // A post; `seq` and `series` are the sender's numbers when it keeps them.
    std::vector<std::string> on_post(const std::string& topic, const std::string& from, const std::string& id,
                 std::optional<std::uint64_t> seq = std::nullopt, const std::string& series = {},
                 std::uint64_t bytes = 0);
    // users/<sender>/receipts/<reader>: the reader took these of the sender's messages.
    void on_receipt(const std::string& reader, const std::string& sender, const std::vector<std::string>& ids);
    void on_presence(const std::string& name, bool online);

    // Snapshots of the queues whose counts changed, to publish as retained.
    std::vector<server_action> take_snapshots();
    // Snapshots of the queues that became full or stopped being full: to publish at once
    // (after every message), since the broker refuses DMs to a full queue by them.
    std::vector<server_action> take_full_changes();
    // After (re)connecting: snapshots of every full queue (a restarted broker forgot which
    // are full) and of those whose full state changed meanwhile.
    std::vector<server_action> full_queue_snapshots();
    // The whole registry (users, topics, queue snapshots) as retained publishes: after a
    // broker that crashed comes back without what it had not saved yet.
    std::vector<server_action> whole_registry() const;

    const registry& state() const { return registry_; }
    // Users and topics changed since the last call: what to save before answering.
    registry_change take_changes() { return registry_.take_changes(); }
    std::size_t depth(const std::string& queue) const { return accounting_.depth(queue); }
    std::uint64_t queue_bytes(const std::string& queue) const { return accounting_.bytes(queue); }
    bool queue_full(const std::string& queue) const { return accounting_.full(queue); }

    // The subscriptions a queue's session needs: its inbox and its joined topics.
    static queue_subscriptions subscriptions_of(const user_record& user);

private:
    // One handler per command (the table is in handle()); each reads the state only.
    server_plan add_account(const requests::account_request& r, bool is_queue) const;
    server_plan users_add(const std::string& from, const requests::users_add& r) const;
    server_plan queues_add(const std::string& from, const requests::queues_add& r) const;
    server_plan remove_account(const requests::name_request& r, bool is_queue) const;
    server_plan users_rm(const std::string& from, const requests::users_rm& r) const;
    server_plan queues_rm(const std::string& from, const requests::queues_rm& r) const;
    server_plan users_passwd(const std::string& from, const requests::users_passwd& r) const;
    server_plan users_password(const std::string& from, const requests::users_password& r) const;
    server_plan users_ls(const std::string& from, const requests::users_ls& r) const;
    server_plan users_info(const std::string& from, const requests::users_info& r) const;
    server_plan users_pending(const std::string& from, const requests::users_pending& r) const;
    server_plan users_confirm(const std::string& from, const requests::users_confirm& r) const;
    server_plan users_replay(const std::string& from, const requests::users_replay& r) const;
    server_plan topics_add(const std::string& from, const requests::topics_add& r) const;
    server_plan topics_rm(const std::string& from, const requests::topics_rm& r) const;
    server_plan topics_ls(const std::string& from, const requests::topics_ls& r) const;
    server_plan topics_info(const std::string& from, const requests::topics_info& r) const;
    server_plan topics_join(const std::string& from, const requests::topics_join& r) const;
    server_plan topics_leave(const std::string& from, const requests::topics_leave& r) const;
    server_plan topics_history(const std::string& from, const requests::topics_history& r) const;
    server_plan queues_ls(const std::string& from, const requests::queues_ls& r) const;
    server_plan queues_purge(const std::string& from, const requests::queues_purge& r) const;

    // registry/queues/<queue> as a retained publish with its queue_full_property:
    // at most max_listed_ids ids and the whole count.
    server_action snapshot_of(const std::string& queue) const;
    const user_record& existing_user(const std::string& name) const;   // or no_such_user
    const topic_record& existing_topic(const std::string& name) const;  // or no_such_topic

    registry registry_;
    queue_accounting accounting_;
    // topic -> sender's numbering -> the highest post number seen: a member who joins
    // learns where each sender's numbers stand, so it waits only for posts made after it
    // joined. Kept in memory only, so they are told only for topics made since this
    // papo-server started (it saw every post of those); for older topics a joiner takes
    // the first post it sees of each sender as the start.
    std::map<std::string, std::map<numbering_key, std::uint64_t>> post_numbers_;
    std::set<std::string> numbers_known_;  // topics whose every post this papo-server saw
};

}  // namespace papo
