#pragma once
// The ids a reader has already shown, so that a QoS 1 redelivery is never shown
// twice. Bounded: it remembers the most recent `capacity` ids. Optionally kept in
// a file so that a restarted client still knows them.
//
// Showing a message and recording it cannot be one step, so the file gets two
// lines per message: "~id" just before it is shown, "id" just after. An id with
// only the first line was being shown when the process died (SIGKILL, power):
// whether it reached the screen is unknown, so it is `maybe_shown`, and the reader
// marks it as a possible repeat if it comes again rather than hiding or losing it.
//
// The ids are opaque words; the reader stores "<sender> <id>" (an id is a repeat only
// among its sender's messages) and older files hold bare ids. Several processes of
// one user share the file by the rule in state_dir.h: each line is appended under the
// shared lock through a descriptor opened for it, and the compaction at start re-reads
// the file under the exclusive lock, so no process's lines are lost to another's rewrite.
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace papo {

class seen_ids {
public:
    explicit seen_ids(std::size_t capacity = 20000, std::string file = {});
    ~seen_ids();
    seen_ids(const seen_ids&) = delete;
    seen_ids& operator=(const seen_ids&) = delete;
    // Writes the "about to show" line; throws papo::error when it cannot (a full disk).
    void showing(const std::string& id);
    // True the first time an id is offered; false for a repeat. Records it as shown.
    bool first_time(const std::string& id);
    bool contains(const std::string& id) const { return ids_.count(id) > 0; }
    // Whether some remembered word is `id` or ends in " <id>" (any sender's).
    bool contains_last_word(const std::string& id) const { return by_last_word_.count(id) > 0; }
    // The remembered ids, oldest first.
    const std::deque<std::string>& ids() const { return order_; }
    // Announced by `showing` in an earlier run that died before `first_time`.
    bool maybe_shown(const std::string& id) const { return maybe_.count(id) > 0; }
    std::size_t size() const { return ids_.size(); }

private:
    void remember(const std::string& id);
    bool append(const std::string& line);
    void compact();
    std::size_t capacity_;
    std::string file_;
    std::unordered_map<std::string, std::size_t> by_last_word_;  // "<sender> <id>" and "<id>" -> count, by id
    std::deque<std::string> order_;
    std::unordered_set<std::string> ids_;
    std::unordered_set<std::string> maybe_;
};

}  // namespace papo
