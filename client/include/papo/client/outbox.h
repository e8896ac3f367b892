#pragma once
// The sender's durable outbox: every direct message is written here (fsync'd)
// before it is published, and stays until its reader's receipt names it. Whenever
// papo connects it sends again what was never confirmed, so a message accepted by
// papo survives a broker crash (SIGKILL loses the broker's unsaved queues) and a
// crash of papo itself. Readers drop the repeats by id.
//
// One file per user and broker (<state_dir>/outbox.jsonl), shared safely by several
// papo processes of the same user: every change is one appended line, under flock.
#include "papo/messages.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace papo {

struct outbox_entry {
    std::string to;       // a DM's recipient (registered name); empty for a post
    std::string id;
    std::string text;
    std::string sent_at;
    std::uint64_t seq = 0;  // 1, 2, 3... per recipient, given by add()
    // Taken while the broker or papo-server was unreachable: the recipient is as typed
    // and not yet checked, and the message was never published.
    bool unchecked = false;
    std::string topic;                 // a post's topic; empty for a DM
    std::vector<std::string> waiting;  // a post: the members whose receipt has not come yet
    // A DM: the recipient confirmed every earlier one up to here (the lowest number still
    // waiting, less one). Set by add(), pending() and due_for_resend().
    std::uint64_t through = 0;
};

// A direct message's entry.
inline outbox_entry dm_entry(std::string to, std::string id, std::string text, std::string sent_at) {
    outbox_entry e;
    e.to = std::move(to);
    e.id = std::move(id);
    e.text = std::move(text);
    e.sent_at = std::move(sent_at);
    return e;
}

class outbox {
public:
    explicit outbox(std::string state_dir);

    // Records a message before it is published; durable when this returns. Returns
    // the entry as kept: numbered for its recipient (so the reader can tell when one is
    // missing) with `through` set. Publish published(...) of it.
    outbox_entry add(const outbox_entry& entry);
    // The payload of an entry's published copies: its id, text, time, numbers and series.
    chat_message published(const outbox_entry& entry);
    // This outbox's numbering series (made once, kept in <state>/outbox.series): a new
    // outbox (another machine, a wiped state folder) numbers from 1 again, and readers
    // then tell its numbers from the old ones.
    std::string series();
    // The reader `reader` confirmed these ids; returns the entries now fully confirmed
    // (a DM by its recipient, a post by the last member it waited for).
    std::vector<outbox_entry> confirm(const std::string& reader, const std::vector<std::string>& ids);
    // Messages still waiting for their receipt, oldest first (re-read from the file,
    // so another papo process's sends and confirmations count).
    std::vector<outbox_entry> pending() const;
    // The pending entries not sent for at least `quiet` (each one's clock restarts):
    // what a reconnecting papo sends again, without flooding a long-offline reader
    // with a copy on every command.
    std::vector<outbox_entry> due_for_resend(std::chrono::seconds quiet);
    // An unchecked entry's recipient exists under this registered spelling.
    void checked(const std::string& id, const std::string& registered_name);
    // An unchecked post's topic exists under this spelling and waits for these members.
    void checked_post(const std::string& id, const std::string& topic, const std::vector<std::string>& waiting);
    // Drops an entry that can never be delivered (its recipient does not exist).
    void drop(const std::string& id);

private:
    std::string file_;
    std::string series_;  // loaded on first use
    // What add() last knew: the file (inode, size) and each recipient's last number,
    // so a papo that sends many messages does not read the whole file for each.
    struct numbering {
        unsigned long inode = 0;
        long long size = -1;
        std::map<std::string, std::uint64_t> last;
        std::map<std::string, std::uint64_t> lowest_pending;  // recipient -> lowest number not confirmed
    };
    numbering numbering_;
};

}  // namespace papo
