#include "chat_commands.h"

#include "papo/error.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace papo::cli {
namespace {

const chat_command all_commands[] = {
    {"/query", "USER [TEXT]", "open the DM with USER (and send TEXT)", "Its recent messages from your local history are shown.", false, true},
    {"/msg", "USER TEXT", "direct message (waits in USER's queue if they are offline)", ""},
    {"/join", "TOPIC", "join a topic and make it the current one", "Its last posts (papo-server's) are shown, marked (history)."},
    {"/leave", "[TOPIC]", "leave a topic (the current one without TOPIC)", ""},
    {"/post", "TOPIC TEXT", "post to a topic", ""},
    {"/topic", "TOPIC", "make a topic you joined current: plain lines are posted there",
     "Its recent messages from your local history are shown first, marked (history)."},
    {"/me", "ACTION", "an action in the current conversation: shown as \"* NAME ACTION\"",
     "Sent as the text \"/me ACTION\" (any papo shows it as \"* NAME ACTION\")."},
    {"/history", "[USER | #TOPIC]", "recent messages of a conversation from your local history",
     "Without a name: the current conversation's. papo history on the command line searches further."},
    {"/search", "WORDS", "messages in your local history with all these words", "Each word is a prefix: \"buil\" finds \"build\"."},
    {"/who", "", "users and presence", ""},
    {"/topics", "", "topics and members", ""},
    {"/help", "[COMMAND]", "this list, or more about a command", ""},
    {"/quit", "", "leave papo (Ctrl-D too)", "/exit does the same."},
};

bool in(chat_kind kind, const chat_command& c) { return kind == chat_kind::line ? c.line : c.screen; }

}  // namespace

std::vector<chat_command> chat_commands(chat_kind kind) {
    std::vector<chat_command> out;
    for (const auto& c : all_commands)
        if (in(kind, c)) out.push_back(c);
    return out;
}

const chat_command* find_chat_command(chat_kind kind, std::string name) {
    if (!name.empty() && name[0] != '/') name = "/" + name;
    if (name == "/exit") name = "/quit";
    for (const auto& c : all_commands)
        if (name == c.name && in(kind, c)) return &c;
    return nullptr;
}

std::string chat_help_line(const chat_command& c) {
    std::string line = std::string(c.name) + (*c.arguments ? " " : "") + c.arguments;
    line.resize(std::max<std::size_t>(line.size() + 2, 24), ' ');
    return line + c.summary;
}

std::vector<std::string> chat_help_for(chat_kind kind, const std::string& name) {
    const auto* c = find_chat_command(kind, name);
    if (!c) throw error(error_kind::usage, "no command " + name + "; /help lists the commands");
    std::vector<std::string> lines{std::string(c->name) + (*c->arguments ? " " : "") + c->arguments, std::string("  ") + c->summary};
    if (*c->more) lines.push_back(std::string("  ") + c->more);
    return lines;
}

bool mentions(const std::string& text, const std::string& me) {
    if (me.empty()) return false;
    const auto lower = [](std::string t) {
        for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return t;
    };
    const std::string haystack = lower(text), needle = lower(me);
    const auto word_char = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.'; };
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
        const bool starts = at == 0 || !word_char(haystack[at - 1]);
        const std::size_t after = at + needle.size();
        // A name may end a sentence: "thanks, alice." still names alice.
        const bool ends = after == haystack.size() || !word_char(haystack[after]) || haystack[after] == '.';
        if (starts && ends) return true;
    }
    return false;
}

std::vector<std::string> chat_completions(chat_kind kind, const std::string& before, const std::string& word, const known_names& names) {
    std::vector<std::string> out;
    const auto first = before.find_first_not_of(' ');
    if (first == std::string::npos && !word.empty() && word[0] == '/') {
        for (const auto& c : chat_commands(kind)) out.push_back(c.name);
        return out;
    }
    std::string command;
    std::istringstream(before) >> command;
    const bool topic_first = command == "/join" || command == "/leave" || command == "/topic" || command == "/post";
    const bool after_command_name =
        !command.empty() && before.find_first_not_of(' ', before.find(command) + command.size()) == std::string::npos;
    if (command == "/help" && after_command_name) {
        for (const auto& c : chat_commands(kind)) out.push_back(c.name + 1);
        return out;
    }
    if (topic_first && after_command_name && (word.empty() || word[0] != '#')) {
        out.assign(names.topics.begin(), names.topics.end());
        return out;
    }
    const bool users_only = (command == "/msg" || command == "/query") && after_command_name;
    if (!users_only)
        for (const auto& t : names.topics) out.push_back("#" + t);
    if (word.empty() || word[0] != '#') out.insert(out.end(), names.users.begin(), names.users.end());
    return out;
}

completion complete_word(const std::string& word, const std::vector<std::string>& candidates) {
    completion c;
    for (const auto& candidate : candidates)
        if (candidate.compare(0, word.size(), word) == 0 && std::find(c.matches.begin(), c.matches.end(), candidate) == c.matches.end())
            c.matches.push_back(candidate);
    if (c.matches.empty()) {
        c.word = word;
        return c;
    }
    if (c.matches.size() == 1) {
        c.word = c.matches.front() + " ";
        return c;
    }
    std::string common = c.matches.front();
    for (const auto& m : c.matches) {
        std::size_t n = 0;
        while (n < common.size() && n < m.size() && common[n] == m[n]) ++n;
        common.resize(n);
    }
    c.word = common.size() > word.size() ? common : word;
    return c;
}

}  // namespace papo::cli
