#pragma once
// One conversation of the chat screen: a DM with one person or a joined topic, over a
// buffer of entries (messages and papo's remarks) that every window reads. The windows
// (windows.h) are views of these; nothing here touches a terminal.
#include "papo/client/message_view.h"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace papo::tui {

struct conversation_id {
    enum class kind { direct, topic };
    kind what = kind::direct;
    std::string name;  // the person, or the topic without '#'

    static conversation_id direct(std::string name) { return {kind::direct, std::move(name)}; }
    static conversation_id topic(std::string name) { return {kind::topic, std::move(name)}; }
    bool is_topic() const { return what == kind::topic; }
    // "@bob" or "#lobby": how it is kept in the state folder (last_conversation.h).
    std::string key() const { return (is_topic() ? "#" : "@") + name; }
    static std::optional<conversation_id> from_key(const std::string& key);
    // "bob" or "#lobby": how people see it.
    std::string shown() const { return is_topic() ? "#" + name : name; }
    bool operator==(const conversation_id& other) const { return what == other.what && name == other.name; }
    bool operator!=(const conversation_id& other) const { return !(*this == other); }
};

// One line of the buffer. Texts and names are kept exactly as they came; the windows
// render them (papo/render.h) when they draw.
struct entry {
    enum class kind { message, remark };
    kind what = kind::message;
    std::string id;
    std::string from;     // the sender; for our own messages, us
    std::string text;
    std::string sent_at;  // RFC 3339 UTC, or anything (shown as unknown time)
    bool mine = false;
    bool queued = false;     // ours, kept in the outbox because the broker or papo-server was away
    bool delivered = false;  // ours, confirmed by its reader (a post: every member)
    bool waited = false, history = false, late = false, maybe_repeat = false;
    std::uint64_t missing_before = 0;
};

struct conversation {
    conversation_id id;
    std::vector<entry> buffer;
    std::size_t unread = 0;
    bool online = false;   // a DM: the person's presence
    int members = -1;      // a topic: its member count when known
    std::vector<std::string> typed;  // what was sent from the input line here, oldest first
    int scroll = 0;        // rows scrolled back from the newest
    bool history_asked = false;
};

// Where a conversation's earlier messages come from when it is first opened (the local
// history; nothing yet): the newest `limit` of them, oldest first. Entries whose id is
// already in the buffer are not added twice.
using history_source = std::function<std::vector<message_view>(const conversation_id&, std::size_t limit)>;

}  // namespace papo::tui
