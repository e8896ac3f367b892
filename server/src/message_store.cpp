#include "papo/server/message_store.h"

#include "papo/error.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <sys/stat.h>

namespace papo {
namespace {

constexpr const char* schema_sql = R"(
CREATE TABLE IF NOT EXISTS bodies(
  body INTEGER PRIMARY KEY,
  topic TEXT NOT NULL, id TEXT NOT NULL, sender TEXT NOT NULL,
  post_topic TEXT NOT NULL DEFAULT '', payload BLOB NOT NULL,
  UNIQUE(topic, id));
CREATE TABLE IF NOT EXISTS waiting(
  queue TEXT NOT NULL, sender TEXT NOT NULL, id TEXT NOT NULL,
  body INTEGER NOT NULL, bytes INTEGER NOT NULL, post INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(queue, sender, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS waiting_by_body ON waiting(body);
CREATE INDEX IF NOT EXISTS posts_by_topic ON bodies(post_topic, body) WHERE post_topic <> '';
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)";

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw error(error_kind::storage, "message store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// Binds text without copying: the statement runs before the strings go. (Not "bind":
// for a non-const std::string argument, ADL may pick std::bind, which binds nothing.)
void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

// Runs a statement to its end; reset so it can run again.
class step_guard {
public:
    explicit step_guard(sqlite3_stmt* s) : s_(s) {}
    ~step_guard() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    step_guard(const step_guard&) = delete;
    step_guard& operator=(const step_guard&) = delete;

private:
    sqlite3_stmt* s_;
};

}  // namespace

message_store::message_store(const std::string& state_dir, std::size_t history_posts)
    : path_(state_dir + "/messages.sqlite"), history_posts_(history_posts) {
    struct stat st {};
    existed_ = ::stat(path_.c_str(), &st) == 0;
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw error(error_kind::storage, "cannot open the message store " + path_ + ": " + why);
    }
    ::chmod(path_.c_str(), 0600);
    try {
        // FULL in WAL mode: every commit is fsync'd, so a committed batch survives a power loss.
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=OFF");
        exec(schema_sql);
        // Stores made before waiting.post: their rows read as DMs, which only costs a
        // post's receipt one statement more (the DM body delete spares posts).
        if (!has_column("waiting", "post")) exec("ALTER TABLE waiting ADD COLUMN post INTEGER NOT NULL DEFAULT 0");
        insert_body_ = prepare(
            "INSERT OR IGNORE INTO bodies(topic, id, sender, post_topic, payload) VALUES(?1, ?2, ?3, ?4, ?5)");
        find_body_ = prepare("SELECT body FROM bodies WHERE topic = ?1 AND id = ?2");
        insert_waiting_ = prepare("INSERT OR IGNORE INTO waiting(queue, sender, id, body, bytes, post) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        // One statement per confirmed message: it says which body it referred to.
        delete_waiting_ = prepare("DELETE FROM waiting WHERE queue = ?1 AND sender = ?2 AND id = ?3 RETURNING body, post");
        // A DM's body goes with its one waiting entry; a post's is kept for the history (below).
        delete_unused_dm_body_ = prepare(
            "DELETE FROM bodies WHERE body = ?1 AND post_topic = '' AND NOT EXISTS (SELECT 1 FROM waiting WHERE body = ?1)");
        unused_body_ = prepare(
            "SELECT post_topic FROM bodies WHERE body = ?1 AND NOT EXISTS (SELECT 1 FROM waiting WHERE body = ?1)");
        delete_body_ = prepare("DELETE FROM bodies WHERE body = ?1");
        ids_of_queue_ = prepare("SELECT sender, id, body FROM waiting WHERE queue = ?1 AND id = ?2");
        // History keeps the newest posts of a topic; older ones go once nobody waits for
        // them. Every statement here looks at no more than the newest history_posts of one
        // topic: a scan of all its older posts, per post, was quadratic in the posts
        // waiting for an offline member (9 ms a post with 20,000 waiting).
        leaving_history_ = prepare(
            "SELECT body FROM bodies WHERE post_topic = ?1 ORDER BY body DESC LIMIT 1 OFFSET ?2");
        delete_unused_body_ = prepare(
            "DELETE FROM bodies WHERE body = ?1 AND NOT EXISTS (SELECT 1 FROM waiting WHERE body = ?1)");
        newer_posts_ = prepare(
            "SELECT COUNT(*) FROM (SELECT 1 FROM bodies WHERE post_topic = ?1 AND body > ?2 LIMIT ?3)");
        // Once at opening (history_posts may have changed since): every post outside its
        // topic's newest that nobody waits for.
        sqlite3_stmt* prune = prepare(
            "DELETE FROM bodies WHERE post_topic <> '' AND NOT EXISTS (SELECT 1 FROM waiting w WHERE w.body = bodies.body) "
            "AND body NOT IN (SELECT body FROM (SELECT body, ROW_NUMBER() OVER (PARTITION BY post_topic ORDER BY body DESC) "
            "AS newest FROM bodies WHERE post_topic <> '') WHERE newest <= ?1)");
        sqlite3_bind_int64(prune, 1, static_cast<std::int64_t>(history_posts_));
        const int rc = sqlite3_step(prune);
        sqlite3_finalize(prune);
        statements_.pop_back();
        if (rc != SQLITE_DONE) fail(db_, "pruning the topics' history");
    } catch (...) {
        for (auto* s : statements_) sqlite3_finalize(s);
        sqlite3_close(db_);
        throw;
    }
}

message_store::~message_store() {
    try {
        if (in_transaction_) commit();
    } catch (const error&) {
    }
    for (auto* s : statements_) sqlite3_finalize(s);
    sqlite3_close(db_);
}

void message_store::exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : "unknown error";
        sqlite3_free(message);
        throw error(error_kind::storage, "message store " + path_ + ": " + why);
    }
}

sqlite3_stmt* message_store::prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) fail(db_, "prepare");
    statements_.push_back(s);
    return s;
}

bool message_store::has_column(const char* table, const char* column) {
    sqlite3_stmt* s = prepare((std::string("SELECT 1 FROM pragma_table_info('") + table + "') WHERE name = ?1").c_str());
    sqlite3_bind_text(s, 1, column, -1, SQLITE_STATIC);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    statements_.pop_back();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db_, "reading the schema");
    return rc == SQLITE_ROW;
}

void message_store::begin() {
    if (in_transaction_) return;
    exec("BEGIN IMMEDIATE");
    in_transaction_ = true;
}

void message_store::commit() {
    if (!in_transaction_) return;
    exec("COMMIT");
    in_transaction_ = false;
}

void message_store::add(const std::string& topic, const std::string& payload, const std::string& sender,
                        const std::string& id, const std::vector<std::string>& queues, const std::string& post_topic) {
    if (queues.empty() && post_topic.empty()) return;
    begin();
    {
        step_guard g(insert_body_);
        bind_text(insert_body_, 1, topic);
        bind_text(insert_body_, 2, id);
        bind_text(insert_body_, 3, sender);
        bind_text(insert_body_, 4, post_topic);
        sqlite3_bind_blob(insert_body_, 5, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
        if (sqlite3_step(insert_body_) != SQLITE_DONE) fail(db_, "storing a message");
    }
    // A new body's number is the row just made; only a repeat needs looking up.
    std::int64_t body = sqlite3_changes(db_) == 1 ? sqlite3_last_insert_rowid(db_) : 0;
    if (!body) {
        step_guard g(find_body_);
        bind_text(find_body_, 1, topic);
        bind_text(find_body_, 2, id);
        if (sqlite3_step(find_body_) != SQLITE_ROW) fail(db_, "finding a stored message");
        body = sqlite3_column_int64(find_body_, 0);
    }
    bool waits = false;
    for (const auto& queue : queues) {
        step_guard g(insert_waiting_);
        bind_text(insert_waiting_, 1, queue);
        bind_text(insert_waiting_, 2, sender);
        bind_text(insert_waiting_, 3, id);
        sqlite3_bind_int64(insert_waiting_, 4, body);
        sqlite3_bind_int64(insert_waiting_, 5, static_cast<std::int64_t>(payload.size()));
        sqlite3_bind_int(insert_waiting_, 6, post_topic.empty() ? 0 : 1);
        if (sqlite3_step(insert_waiting_) != SQLITE_DONE) fail(db_, "storing a waiting message");
        waits = waits || sqlite3_changes(db_) == 1;
    }
    if (!post_topic.empty()) {
        // This post pushed one out of the topic's newest: it goes unless someone waits for it.
        std::int64_t leaving = 0;
        {
            step_guard g(leaving_history_);
            bind_text(leaving_history_, 1, post_topic);
            sqlite3_bind_int64(leaving_history_, 2, static_cast<std::int64_t>(history_posts_));
            const int rc = sqlite3_step(leaving_history_);
            if (rc == SQLITE_ROW) leaving = sqlite3_column_int64(leaving_history_, 0);
            else if (rc != SQLITE_DONE) fail(db_, "pruning a topic's history");
        }
        if (leaving) {
            step_guard g(delete_unused_body_);
            sqlite3_bind_int64(delete_unused_body_, 1, leaving);
            if (sqlite3_step(delete_unused_body_) != SQLITE_DONE) fail(db_, "pruning a topic's history");
        }
    } else if (!waits) {
        drop_unused_body(body);  // a repeat of a DM already confirmed everywhere
    }
}

void message_store::drop_unused_body(std::int64_t body) {
    std::optional<std::string> post_topic;
    {
        step_guard g(unused_body_);
        sqlite3_bind_int64(unused_body_, 1, body);
        const int rc = sqlite3_step(unused_body_);
        if (rc == SQLITE_ROW) post_topic = column_text(unused_body_, 0);
        else if (rc != SQLITE_DONE) fail(db_, "checking a stored message");
    }
    if (!post_topic) return;  // still waited for
    if (!post_topic->empty()) {
        // A post stays for the topic's history while it is among the newest.
        step_guard g(newer_posts_);
        bind_text(newer_posts_, 1, *post_topic);
        sqlite3_bind_int64(newer_posts_, 2, body);
        sqlite3_bind_int64(newer_posts_, 3, static_cast<std::int64_t>(history_posts_));
        if (sqlite3_step(newer_posts_) != SQLITE_ROW) fail(db_, "pruning a topic's history");
        if (static_cast<std::size_t>(sqlite3_column_int64(newer_posts_, 0)) < history_posts_) return;
    }
    step_guard g(delete_body_);
    sqlite3_bind_int64(delete_body_, 1, body);
    if (sqlite3_step(delete_body_) != SQLITE_DONE) fail(db_, "removing a confirmed message");
}

void message_store::remove(const std::string& queue, const std::string& sender, const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
        begin();
        std::int64_t body = 0;
        bool post = false;
        {
            step_guard g(delete_waiting_);
            bind_text(delete_waiting_, 1, queue);
            bind_text(delete_waiting_, 2, sender);
            bind_text(delete_waiting_, 3, id);
            const int rc = sqlite3_step(delete_waiting_);
            if (rc == SQLITE_DONE) continue;  // not waiting: a repeated receipt
            if (rc != SQLITE_ROW) fail(db_, "removing a confirmed message");
            body = sqlite3_column_int64(delete_waiting_, 0);
            post = sqlite3_column_int(delete_waiting_, 1) != 0;
            // RETURNING: the row is deleted once the statement has run to its end.
            if (sqlite3_step(delete_waiting_) != SQLITE_DONE) fail(db_, "removing a confirmed message");
        }
        if (!post) {
            step_guard g(delete_unused_dm_body_);
            sqlite3_bind_int64(delete_unused_dm_body_, 1, body);
            if (sqlite3_step(delete_unused_dm_body_) != SQLITE_DONE) fail(db_, "removing a confirmed message");
            if (sqlite3_changes(db_) == 1) continue;  // the common case: a DM read
        }
        drop_unused_body(body);  // a post (kept for its topic's history while among the newest)
    }
}

void message_store::remove_ids(const std::string& queue, const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
        std::vector<std::string> senders;
        {
            step_guard g(ids_of_queue_);
            bind_text(ids_of_queue_, 1, queue);
            bind_text(ids_of_queue_, 2, id);
            int rc;
            while ((rc = sqlite3_step(ids_of_queue_)) == SQLITE_ROW) senders.push_back(column_text(ids_of_queue_, 0));
            if (rc != SQLITE_DONE) fail(db_, "finding confirmed messages");
        }
        for (const auto& sender : senders) remove(queue, sender, {id});
    }
}

void message_store::purge(const std::string& queue) {
    begin();
    sqlite3_stmt* bodies = prepare("SELECT DISTINCT body FROM waiting WHERE queue = ?1");
    std::vector<std::int64_t> list;
    {
        step_guard g(bodies);
        bind_text(bodies, 1, queue);
        int rc;
        while ((rc = sqlite3_step(bodies)) == SQLITE_ROW) list.push_back(sqlite3_column_int64(bodies, 0));
        if (rc != SQLITE_DONE) fail(db_, "listing a queue");
    }
    sqlite3_stmt* wipe = prepare("DELETE FROM waiting WHERE queue = ?1");
    {
        step_guard g(wipe);
        bind_text(wipe, 1, queue);
        if (sqlite3_step(wipe) != SQLITE_DONE) fail(db_, "purging a queue");
    }
    for (const auto body : list) drop_unused_body(body);
    // Statements made for one purge go at once (purges are rare).
    for (auto* s : {bodies, wipe}) {
        sqlite3_finalize(s);
        statements_.erase(std::find(statements_.begin(), statements_.end(), s));
    }
}

std::vector<waiting_entry> message_store::waiting() {
    sqlite3_stmt* s = prepare("SELECT queue, sender, id, bytes FROM waiting ORDER BY body");
    std::vector<waiting_entry> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        out.push_back({column_text(s, 0), column_text(s, 1), column_text(s, 2),
                       static_cast<std::uint64_t>(sqlite3_column_int64(s, 3))});
    if (rc != SQLITE_DONE) fail(db_, "reading the waiting messages");
    sqlite3_finalize(s);
    statements_.pop_back();
    return out;
}

std::vector<stored_message> message_store::unconfirmed() {
    sqlite3_stmt* s = prepare(
        "SELECT b.body, b.topic, b.payload, b.sender, b.id, b.post_topic, w.queue FROM waiting w "
        "JOIN bodies b ON b.body = w.body ORDER BY b.body, w.queue");
    std::vector<stored_message> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const std::int64_t body = sqlite3_column_int64(s, 0);
        if (out.empty() || out.back().order != body)
            out.push_back({body, column_text(s, 1), column_text(s, 2), column_text(s, 3), column_text(s, 4),
                           !column_text(s, 5).empty(), {}});
        out.back().queues.push_back(column_text(s, 6));
    }
    if (rc != SQLITE_DONE) fail(db_, "reading the unconfirmed messages");
    sqlite3_finalize(s);
    statements_.pop_back();
    return out;
}

std::vector<stored_message> message_store::unconfirmed_in(const std::string& queue, const std::vector<std::string>& ids) {
    sqlite3_stmt* s = prepare(
        "SELECT b.body, b.topic, b.payload, b.sender, b.id, b.post_topic FROM waiting w JOIN bodies b ON b.body = w.body "
        "WHERE w.queue = ?1 AND w.id = ?2");
    std::map<std::int64_t, stored_message> found;
    for (const auto& id : ids) {
        step_guard g(s);
        bind_text(s, 1, queue);
        bind_text(s, 2, id);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            found[sqlite3_column_int64(s, 0)] = {sqlite3_column_int64(s, 0), column_text(s, 1), column_text(s, 2),
                                                 column_text(s, 3), column_text(s, 4), !column_text(s, 5).empty(), {queue}};
        if (rc != SQLITE_DONE) fail(db_, "reading unconfirmed messages");
    }
    sqlite3_finalize(s);
    statements_.erase(std::find(statements_.begin(), statements_.end(), s));
    std::vector<stored_message> out;
    for (auto& [order, m] : found) out.push_back(std::move(m));
    return out;
}

std::vector<stored_message> message_store::history(const std::string& post_topic, std::size_t limit) {
    sqlite3_stmt* s = prepare(
        "SELECT body, topic, payload, sender, id FROM (SELECT * FROM bodies WHERE post_topic = ?1 "
        "ORDER BY body DESC LIMIT ?2) ORDER BY body");
    bind_text(s, 1, post_topic);
    sqlite3_bind_int64(s, 2, static_cast<std::int64_t>(limit));
    std::vector<stored_message> out;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        out.push_back({sqlite3_column_int64(s, 0), column_text(s, 1), column_text(s, 2), column_text(s, 3),
                       column_text(s, 4), true, {}});
    if (rc != SQLITE_DONE) fail(db_, "reading a topic's history");
    sqlite3_finalize(s);
    statements_.pop_back();
    return out;
}

std::optional<std::string> message_store::meta(const std::string& key) {
    sqlite3_stmt* s = prepare("SELECT value FROM meta WHERE key = ?1");
    bind_text(s, 1, key);
    std::optional<std::string> value;
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) value = column_text(s, 0);
    sqlite3_finalize(s);
    statements_.pop_back();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(db_, "reading " + key);
    return value;
}

void message_store::set_meta(const std::string& key, const std::string& value) {
    begin();
    sqlite3_stmt* s = prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
    bind_text(s, 1, key);
    bind_text(s, 2, value);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    statements_.pop_back();
    if (rc != SQLITE_DONE) fail(db_, "writing " + key);
}

}  // namespace papo
