#pragma once
// papo-server's message store: every message it sees routed to a queue (a DM to its
// recipient; a post once for each member but the poster), kept until that queue's
// reader confirms it. Mosquitto keeps offline queues in memory between autosaves, so
// a broker SIGKILL loses what it acknowledged since: papo-server then publishes again,
// from here, what no reader has confirmed (server_runner's replay). Queue counts at
// start-up come from here too, exactly.
//
// <state_dir>/messages.sqlite (SQLite, WAL, synchronous FULL). Writes are grouped: the
// first write opens a transaction and commit() ends it, one fsync for the whole batch;
// the runner commits as soon as no more traffic is waiting, so what papo-server took
// is durable within milliseconds. Between a message's PUBACK and its commit a
// papo-server crash loses it from the store only: the broker still holds it.
//
// A body (topic + payload) is stored once and referenced by each queue it waits in, as
// (queue, sender, id). A post's body stays after its last reader confirmed it while it is
// among the newest `history_posts` of its topic (topics.history).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace papo {

// One waiting message, as the accounting counts it.
struct waiting_entry {
    std::string queue, sender, id;
    std::uint64_t bytes = 0;
};

// A message to publish again, in arrival order. A post waiting in several queues is
// listed once, with every queue that waits for it.
struct stored_message {
    std::int64_t order = 0;
    std::string topic;    // the MQTT topic it came on
    std::string payload;
    std::string sender, id;
    bool post = false;
    std::vector<std::string> queues;
};

class message_store {
public:
    // Opens (or makes) <state_dir>/messages.sqlite; the folder exists (registry_file makes it).
    explicit message_store(const std::string& state_dir, std::size_t history_posts = 50);
    ~message_store();
    message_store(const message_store&) = delete;
    message_store& operator=(const message_store&) = delete;

    // Whether this file was made before now (false: a new store, counts come from elsewhere).
    bool existed() const { return existed_; }

    // A message on `topic` from `sender` waits in `queues` (idempotent per queue, sender, id).
    // `post_topic`: the chat topic of a post (empty for a DM).
    void add(const std::string& topic, const std::string& payload, const std::string& sender,
             const std::string& id, const std::vector<std::string>& queues, const std::string& post_topic = {});
    // A receipt: the queue's reader took these of the sender's messages.
    void remove(const std::string& queue, const std::string& sender, const std::vector<std::string>& ids);
    // users.confirm: every sender's message of these ids.
    void remove_ids(const std::string& queue, const std::vector<std::string>& ids);
    // The queue is emptied (purged, removed, or made new).
    void purge(const std::string& queue);
    // Ends the open write transaction: one fsync for everything since the last commit.
    void commit();
    bool pending_writes() const { return in_transaction_; }

    std::vector<waiting_entry> waiting();
    std::vector<stored_message> unconfirmed();
    // What waits unconfirmed in `queue` with one of these ids (any sender), in arrival order.
    std::vector<stored_message> unconfirmed_in(const std::string& queue, const std::vector<std::string>& ids);
    // The newest `limit` posts of a chat topic, oldest first (topic, payload, sender, id).
    std::vector<stored_message> history(const std::string& post_topic, std::size_t limit);

    std::optional<std::string> meta(const std::string& key);
    void set_meta(const std::string& key, const std::string& value);

    const std::string& path() const { return path_; }

private:
    void exec(const char* sql);
    void begin();
    bool has_column(const char* table, const char* column);
    sqlite3_stmt* prepare(const char* sql);
    void drop_unused_body(std::int64_t body);

    std::string path_;
    std::size_t history_posts_;
    sqlite3* db_ = nullptr;
    bool existed_ = false;
    bool in_transaction_ = false;
    std::vector<sqlite3_stmt*> statements_;
    sqlite3_stmt *insert_body_ = nullptr, *find_body_ = nullptr, *insert_waiting_ = nullptr,
                 *delete_unused_dm_body_ = nullptr, *delete_waiting_ = nullptr, *unused_body_ = nullptr,
                 *delete_body_ = nullptr, *ids_of_queue_ = nullptr, *leaving_history_ = nullptr,
                 *delete_unused_body_ = nullptr, *newer_posts_ = nullptr;
};

}  // namespace papo
