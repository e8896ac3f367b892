#include "papo/client/history.h"

#include "papo/error.h"
#include "papo/render.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>

namespace papo {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw error(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void execute(sqlite3* db, const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        throw error("history: " + text);
    }
}

// One prepared statement for as long as it lives.
class statement {
public:
    statement(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK) fail(db, "history");
    }
    ~statement() { sqlite3_finalize(s_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement& bind(int k, const std::string& text) {
        sqlite3_bind_text(s_, k, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    statement& bind(int k, std::int64_t value) {
        sqlite3_bind_int64(s_, k, value);
        return *this;
    }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail(db_, "history");
        return false;
    }
    std::string text(int column) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, column));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, column))) : std::string();
    }
    std::int64_t number(int column) const { return sqlite3_column_int64(s_, column); }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

std::int64_t seconds_now(std::chrono::system_clock::time_point now) {
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

std::optional<std::int64_t> utc_seconds(const std::string& rfc3339) {
    if (!is_rfc3339_utc(rfc3339)) return std::nullopt;
    std::tm utc{};
    if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &utc)) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&utc));
}

const char* columns = "conversation, sender, recipient, topic, message_id, text, sent_at, outgoing, at";

history_entry entry_of(const statement& row) {
    history_entry e;
    e.conversation = row.text(0);
    e.message.from = row.text(1);
    e.message.to = row.text(2);
    e.message.topic = row.text(3);
    e.message.direct = e.message.topic.empty();
    e.message.id = row.text(4);
    e.message.text = row.text(5);
    e.message.sent_at = row.text(6);
    e.outgoing = row.number(7) != 0;
    e.at = row.number(8);
    e.message.history = true;
    return e;
}

// Each word a quoted FTS5 prefix term: nothing the user types is FTS5 syntax.
std::string fts_query(const std::string& words) {
    std::istringstream in(words);
    std::string word, query;
    while (in >> word) {
        std::string quoted = "\"";
        for (const char ch : word) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        query += (query.empty() ? "" : " ") + quoted + "\"*";
    }
    return query;
}

}  // namespace

std::string conversation_of(const message_view& m, const std::string& me) {
    if (!m.direct) return "#" + m.topic;
    return m.from == me ? m.to : m.from;
}

std::optional<std::int64_t> parse_since(const std::string& text, std::chrono::system_clock::time_point now) {
    if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'h')) {
        const std::string digits = text.substr(0, text.size() - 1);
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) return std::nullopt;
        const std::int64_t unit = text.back() == 'd' ? 86400 : 3600;
        return seconds_now(now) - std::stoll(digits) * unit;
    }
    if (text.size() >= 20 && text.back() == 'Z') return utc_seconds(text);
    for (const char* format : {"%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"}) {
        std::tm local{};
        const char* end = strptime(text.c_str(), format, &local);
        if (!end || *end) continue;
        local.tm_isdst = -1;
        const std::time_t when = std::mktime(&local);
        if (when == -1) return std::nullopt;
        return static_cast<std::int64_t>(when);
    }
    return std::nullopt;
}

std::string format_history_line(const history_entry& e, const text_style& style, bool marked) {
    const message_view& m = e.message;
    std::string when = "unknown time";
    if (const auto seconds = utc_seconds(m.sent_at)) {
        const std::time_t t = static_cast<std::time_t>(*seconds);
        std::tm local{};
        localtime_r(&t, &local);
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
        when = text;
    }
    std::string line = style.dim("[" + when + "]") + " ";
    const std::string from = e.outgoing ? style.mine("you") : style.sender(safe_text(m.from));
    if (const auto action = action_of(m.text)) {  // "/me waves": "* alice waves"
        line += m.direct ? style.dm_mark(e.outgoing ? "(to " + safe_text(m.to) + ")" : "(to you)") + " " : style.topic("#" + safe_text(m.topic)) + " ";
        const std::string name = e.outgoing ? style.mine(safe_text(m.from)) : style.sender(safe_text(m.from));
        return line + "* " + name + " " + safe_multiline(*action) + (marked ? style.dim("  (history)") : "");
    }
    if (m.direct) {
        line += e.outgoing ? from + " " + style.dm_mark("->") + " " + style.sender(safe_text(m.to)) : from + " " + style.dm_mark("-> you");
    } else {
        line += style.topic("#" + safe_text(m.topic)) + " " + from;
    }
    line += ": " + (e.outgoing ? style.mine(safe_multiline(m.text)) : safe_multiline(m.text));
    return line + (marked ? style.dim("  (history)") : "");
}

nlohmann::json history_json_line(const history_entry& e) {
    message_view m = e.message;
    m.history = false;  // kind stays "dm" or "post"
    auto j = to_json_line(m);
    j.erase("waited");
    j["conversation"] = e.conversation;
    j["outgoing"] = e.outgoing;
    return j;
}

std::string local_history::file_in(const std::string& state_dir) { return state_dir + "/history.sqlite"; }

local_history::local_history(const std::string& path, int keep_days) : keep_days_(keep_days < 0 ? 0 : keep_days) {
    const bool in_memory = path.empty() || path == ":memory:";
    if (!in_memory) {
        // Created 0600 before SQLite opens it; its -wal and -shm files take the same mode.
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) throw error("cannot open the history " + path + ": " + std::strerror(errno));
        ::fchmod(fd, 0600);
        ::close(fd);
    }
    if (sqlite3_open_v2(in_memory ? ":memory:" : path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw error("cannot open the history " + path + ": " + why);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);  // another papo of ours writing
        if (!in_memory) execute(db_, "PRAGMA journal_mode=WAL");
        execute(db_, "PRAGMA synchronous=NORMAL");
        execute(db_,
                "CREATE TABLE IF NOT EXISTS messages ("
                " row INTEGER PRIMARY KEY,"
                " conversation TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL, topic TEXT NOT NULL,"
                " message_id TEXT NOT NULL, text TEXT NOT NULL, sent_at TEXT NOT NULL,"
                " outgoing INTEGER NOT NULL, at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,"
                " UNIQUE (conversation, sender, message_id));"
                "CREATE INDEX IF NOT EXISTS messages_at ON messages (at);"
                "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages', content_rowid='row');"
                "CREATE TRIGGER IF NOT EXISTS messages_added AFTER INSERT ON messages BEGIN"
                " INSERT INTO messages_fts (rowid, text) VALUES (new.row, new.text); END;"
                "CREATE TRIGGER IF NOT EXISTS messages_removed AFTER DELETE ON messages BEGIN"
                " INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.row, old.text); END;");
        prune();
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

local_history::~local_history() { sqlite3_close(db_); }

bool local_history::record(const message_view& m, const std::string& me) {
    if (keep_days_ == 0) return false;
    const std::int64_t now = seconds_now(std::chrono::system_clock::now());
    // A sender's clock (or a forged time) cannot place a message in the future.
    std::int64_t at = now;
    if (const auto sent = utc_seconds(m.sent_at); sent && *sent < now) at = *sent;
    statement insert(db_,
                     "INSERT OR IGNORE INTO messages (conversation, sender, recipient, topic, message_id, text, sent_at, outgoing, at, "
                     "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, conversation_of(m, me))
        .bind(2, m.from)
        .bind(3, m.direct ? m.to : std::string())
        .bind(4, m.direct ? std::string() : m.topic)
        .bind(5, m.id)
        .bind(6, m.text)
        .bind(7, m.sent_at)
        .bind(8, std::int64_t{m.from == me})
        .bind(9, at)
        .bind(10, now);
    insert.step();
    return sqlite3_changes(db_) > 0;
}

std::vector<history_entry> local_history::recent(const std::string& conversation, std::size_t limit) const {
    history_search query;
    query.conversation = conversation;
    query.limit = limit;
    return search(query);
}

std::vector<history_entry> local_history::search(const history_search& query) const {
    const std::string match = fts_query(query.words);
    // The latest `limit` that match, then oldest first.
    std::string sql = std::string("SELECT ") + columns + " FROM messages WHERE row IN (SELECT row FROM messages WHERE 1";
    if (!match.empty()) sql += " AND row IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)";
    if (!query.conversation.empty()) sql += " AND conversation = ?2";
    if (query.since) sql += " AND at >= ?3";
    sql += " ORDER BY row DESC";
    if (query.limit) sql += " LIMIT ?4";
    sql += ") ORDER BY row";
    statement select(db_, sql);
    if (!match.empty()) select.bind(1, match);
    if (!query.conversation.empty()) select.bind(2, query.conversation);
    if (query.since) select.bind(3, *query.since);
    if (query.limit) select.bind(4, static_cast<std::int64_t>(query.limit));
    std::vector<history_entry> out;
    while (select.step()) out.push_back(entry_of(select));
    return out;
}

std::vector<conversation_summary> local_history::conversations() const {
    statement select(db_, "SELECT conversation, MAX(at), COUNT(*) FROM messages GROUP BY conversation ORDER BY MAX(row) DESC");
    std::vector<conversation_summary> out;
    while (select.step()) out.push_back({select.text(0), select.number(1), static_cast<std::size_t>(select.number(2))});
    return out;
}

std::size_t local_history::prune(std::chrono::system_clock::time_point now) {
    if (keep_days_ == 0) {
        execute(db_, "DELETE FROM messages");
        return static_cast<std::size_t>(sqlite3_changes(db_));
    }
    statement remove(db_, "DELETE FROM messages WHERE at < ?");
    remove.bind(1, seconds_now(now) - static_cast<std::int64_t>(keep_days_) * 86400);
    remove.step();
    return static_cast<std::size_t>(sqlite3_changes(db_));
}

}  // namespace papo
