#pragma once
// The user's local history: every message papo showed or sent, kept in SQLite in the
// state folder (state_dir.h: history.sqlite, 0600, WAL), one database per user and
// broker, searchable with FTS5. It is a record of what was on the screen, not a queue:
// what `papo read` shows next is decided by the reader's seen ids, never by this.
//
// A conversation is a DM peer ("bob") or a topic ("#lobby"). A message is kept once per
// (conversation, sender, id): shown again (a repeat, a join's history) it is not stored
// twice. Messages older than the retention (`keep_days`; by the time they were sent, or
// recorded when that is missing or later) are removed when the history is opened.
//
// Several papo processes of one user may write at once (SQLite's locking, busy timeout).
#include "papo/client/message_view.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace papo {

// One kept message: the message as it was shown, where it belongs, whether it was ours.
struct history_entry {
    std::string conversation;  // "bob" or "#lobby"
    message_view message;      // from, to or topic, id, text, sent_at (marked history)
    bool outgoing = false;     // sent by this user
    std::int64_t at = 0;       // seconds since the epoch: sent_at, or when it was recorded
};

// A conversation the history knows and its latest message.
struct conversation_summary {
    std::string name;     // "bob" or "#lobby"
    std::int64_t last_at = 0;
    std::size_t messages = 0;
};

// What search() looks for; every field narrows it.
struct history_search {
    std::string words;         // FTS5, each word a prefix ("buil" finds "build"); all must occur
    std::string conversation;  // "" any
    std::optional<std::int64_t> since;  // seconds since the epoch: at >= since
    std::size_t limit = 0;              // 0: all; else the latest `limit`
};

// The conversation a message belongs to, seen by `me`: the other party of a DM, or "#topic".
std::string conversation_of(const message_view& m, const std::string& me);

// --since: "YYYY-MM-DD" (local midnight), "YYYY-MM-DD HH:MM[:SS]" or "...THH:MM[:SS]"
// (local), RFC 3339 UTC ("...Z"), or "Nd" / "Nh" (N days / hours ago). nullopt when it is
// none of them.
std::optional<std::int64_t> parse_since(const std::string& text, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// A kept message for people, with its day: "[2026-12-02 10:00:05] bob -> you: text",
// "... you -> bob: ...", "... #lobby bob: ...". Text made safe as `papo read` does (render.h).
// `marked` adds "(history)".
std::string format_history_line(const history_entry& e, const text_style& style = {}, bool marked = false);
// `papo history --json`'s line: read's line (kind "dm" or "post") plus conversation and outgoing.
nlohmann::json history_json_line(const history_entry& e);

class local_history {
public:
    // `path` is the database file (created 0600; "" or ":memory:" keeps it in memory).
    // keep_days 0 keeps nothing: the history is emptied and record() stores nothing.
    // Throws papo::error when the file cannot be opened or is not a history.
    local_history(const std::string& path, int keep_days);
    ~local_history();
    local_history(const local_history&) = delete;
    local_history& operator=(const local_history&) = delete;

    // <state_dir>/history.sqlite
    static std::string file_in(const std::string& state_dir);

    // Keeps `m` (seen by `me`) unless it is kept already; true when it was new.
    bool record(const message_view& m, const std::string& me);
    // The conversation's last `limit` messages, oldest first.
    std::vector<history_entry> recent(const std::string& conversation, std::size_t limit) const;
    // Matching messages, oldest first.
    std::vector<history_entry> search(const history_search& query) const;
    // Every conversation kept, the latest first.
    std::vector<conversation_summary> conversations() const;
    // Removes what is older than the retention; returns how many. Called when opened.
    std::size_t prune(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

private:
    sqlite3* db_ = nullptr;
    int keep_days_;
};

}  // namespace papo
