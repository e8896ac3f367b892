#pragma once
// One folder owns a user's files on one broker: ~/.local/state/papo/<user>@<host_port>
// (0700: the spool and the held messages hold message text). What lives there:
//   outbox.jsonl, outbox.series  the sender's outbox (outbox.h)
//   seen                         ids shown, "~" marks for the one being shown (seen_ids.h)
//   seq_from                     the numbers each sender stands at (seq_from.h)
//   held.jsonl                   messages held back for an earlier one (reader.h)
//   spool.jsonl                  messages a one-shot command took but did not show
//   <file>.lock                  the lock of <file> (below)
//
// The rule for two processes of one user (`papo read --wait` running while `papo join`
// runs, two chats, a chat and a script):
//   - A change is ONE appended line, written under the file's lock held SHARED
//     (O_APPEND keeps concurrent lines whole), through a descriptor opened for that
//     append: never one kept across another process's rewrite, whose rename would leave
//     it writing into a file nobody reads again.
//   - A whole-file rewrite (compaction, held.jsonl) takes the lock EXCLUSIVE, re-reads
//     the file and writes what the file holds now merged with this process's changes,
//     never just what this process remembers; it writes through replace_file
//     (state_file.h: unique temporary name, fsync, rename, folder fsync).
//   - The outbox locks its own file the same way (outbox.cpp, locked_file).
// Each process keeps its own memory of the files; what another process appended meanwhile
// counts from the next start (or the next re-read) on: a message may then be shown by
// both, never lost by either.
#include <string>
#include <vector>

namespace papo {

class state_dir {
public:
    // `path` empty: no state folder (memory only). Else created (mkdir -p) 0700.
    explicit state_dir(std::string path);
    bool empty() const { return path_.empty(); }
    const std::string& path() const { return path_; }
    // <path>/<name>, or "" without a folder.
    std::string file(const std::string& name) const { return path_.empty() ? "" : path_ + "/" + name; }

private:
    std::string path_;
};

// ~/.local/state/papo/<user>@<host_port> (or $XDG_STATE_HOME, or `base` when given),
// created 0700 if missing.
std::string default_state_dir(const std::string& base, const std::string& user, const std::string& broker);

// An flock on "<file>.lock" for as long as it lives: shared for an append, exclusive
// for a read-modify-write. Blocks until granted. Without a lock file (no folder) it
// holds nothing.
class file_lock {
public:
    enum class mode { shared, exclusive };
    file_lock(const std::string& file, mode how);
    ~file_lock();
    file_lock(const file_lock&) = delete;
    file_lock& operator=(const file_lock&) = delete;

private:
    int fd_ = -1;
};

// Appends `text` (whole lines) to `file` under its shared lock, starting on a line of
// its own after a torn last line. False (errno set) when it could not (a full disk).
bool append_to_state_file(const std::string& file, const std::string& text);
// The lines of `file` (none when it is missing); no lock taken.
std::vector<std::string> read_state_lines(const std::string& file);

}  // namespace papo
