#pragma once
// One message as a person or a script sees it, and its two renderings.
#include "papo/numbering.h"

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace papo {

struct message_view {
    bool direct = true;      // DM, else a topic post
    std::string from;
    std::string to;          // DM: the recipient
    std::string topic;       // post: the topic
    std::string id;
    std::string text;
    std::string sent_at;
    bool waited = false;     // it waited in the queue while the reader was offline
    std::optional<std::uint64_t> seq;  // the sender's number for messages to this reader
    std::optional<std::uint64_t> through;  // a DM: the sender knows we confirmed all up to here
    std::string series;                    // the sender's numbering series (its outbox)
    std::uint64_t missing_before = 0;  // how many of the sender's earlier ones have not come
    bool late = false;                 // it came after a later one of the same sender
    // An earlier run of papo died while showing it (SIGKILL between showing and
    // recording): it may already be on the screen. Never set otherwise.
    bool maybe_repeat = false;
    // A post from the topic's history (topics.history), shown at a join: not new, not
    // counted, no receipt. Its --json kind is "history".
    bool history = false;
};

// The numbering a message counts in: DMs per sender, posts per sender and topic.
numbering_key numbering_of(const message_view& m);

// `papo read --json`'s line.
nlohmann::json to_json_line(const message_view& m);
// `papo read`'s line.
std::string format_for_people(const message_view& m);

}  // namespace papo
