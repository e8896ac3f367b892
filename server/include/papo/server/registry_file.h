#pragma once
// papo-server's own durable copy of the registry (users, named queues, topics and
// memberships; not the queue counts), kept in its state folder so that registrations
// survive a crash of the broker and papo-server together (the broker loses what
// changed since its last autosave). papo-server saves every change here before it
// answers, so at start-up this copy is the authority (server_core::restore).
//
// <state_dir>/registry.jsonl is a journal of JSON lines:
//   {"papo-server-registry":1}                        first line: the format version
//   {"users":[...],"topics":[...],"removed_users":["bob"],"removed_topics":["lobby"]}
// Each later line is one change (one request's), appended and fdatasync'd in one
// write; its arrays are optional. "users" and "topics" hold entries as they are now,
// in the registry's retained form (registry-user / registry-topic); names are matched
// regardless of ASCII case, as in the registry. When the journal has grown to about
// twice its live entries it is rewritten whole, one entry a line (temp file, fsync,
// rename, fsync of the folder). A crash can only tear the last line (no newline, or
// unreadable): it was never confirmed, so loading ignores it (and rewrites the file).
// A damaged line before the last is refused, not guessed at.
#include "papo/server/registry.h"

#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace papo {

class registry_file {
public:
    // Creates `state_dir` (mode 0700, parents too) when missing and locks it: a second
    // papo-server on the same folder is refused. Throws papo::error.
    explicit registry_file(std::string state_dir);
    ~registry_file();
    registry_file(const registry_file&) = delete;
    registry_file& operator=(const registry_file&) = delete;

    // The saved copy; nullopt when there is none yet (a new state folder). Throws
    // papo::error when the file exists but cannot be read (a damaged line before the last).
    std::optional<registry_copy> load();
    // Replaces the whole copy; durable when it returns.
    void save(const registry_copy& copy);
    // Records changes; durable when it returns. Needs load() or save() first.
    void append(const registry_change& change);

    const std::string& path() const { return path_; }

private:
    void apply(const registry_change& change);
    void rewrite();

    std::string dir_, path_;
    int lock_fd_ = -1;
    int journal_fd_ = -1;        // open for appending
    std::size_t lines_ = 0;      // lines in the journal, for the compaction rule
    bool needs_rewrite_ = false;  // an append failed half-way: the next change rewrites the file
    // What the journal holds, by name_key: compaction rewrites it without the caller.
    std::map<std::string, user_record> users_;
    std::map<std::string, topic_record> topics_;
};

}  // namespace papo
