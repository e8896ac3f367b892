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
// How lines for people are drawn. With colour (a terminal, --color): sender names bold,
// "-> you" of a DM magenta, topics green, times and papo's remarks dim. The colours are
// added after the network's text is made safe (render.h), never taken from it.
struct text_style {
    bool colour = false;
    std::string sender(const std::string& safe) const { return wrap("\x1b[1m", safe); }
    std::string dm_mark(const std::string& safe) const { return wrap("\x1b[35m", safe); }
    std::string topic(const std::string& safe) const { return wrap("\x1b[32m", safe); }
    std::string dim(const std::string& safe) const { return wrap("\x1b[2m", safe); }
    std::string good(const std::string& safe) const { return wrap("\x1b[32m", safe); }
    std::string mine(const std::string& safe) const { return wrap("\x1b[36m", safe); }
    std::string warning(const std::string& safe) const { return wrap("\x1b[33m", safe); }

private:
    std::string wrap(const char* on, const std::string& text) const { return colour ? on + text + "\x1b[0m" : text; }
};

// An action (the chat's /me): a text "/me ACTION" is shown as "* alice ACTION"; on the
// wire it stays a plain text, "/me waves" (no schema change; --json shows that text).
// The ACTION of such a text, else nullopt.
std::optional<std::string> action_of(const std::string& text);

// `papo read`'s line.
std::string format_for_people(const message_view& m, const text_style& style = {});

}  // namespace papo
