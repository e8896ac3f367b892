#pragma once
// The chats' commands as data, shared by the line chat (interactive.cpp) and the screen
// (screen/screen_chat.cpp): /help and /help CMD read them, Tab completes them; and the
// two rules both chats follow, when the bell rings and what Tab offers. Pure: no I/O.
#include <set>
#include <string>
#include <vector>

namespace papo::cli {

enum class chat_kind { line, screen };

struct chat_command {
    const char* name;       // "/join"
    const char* arguments;  // "TOPIC", or ""
    const char* summary;
    const char* more;       // /help CMD: after the summary, or ""
    bool line = true, screen = true;  // which chats have it
};

// The commands of one chat, in /help's order.
std::vector<chat_command> chat_commands(chat_kind kind);
// "/join" or "join": the command, or nullptr when that chat has none of that name.
const chat_command* find_chat_command(chat_kind kind, std::string name);
// "/join TOPIC            join a topic ..." as /help lists it.
std::string chat_help_line(const chat_command& c);
// /help CMD's lines; throws papo::error (usage) for a command that chat does not have.
std::vector<std::string> chat_help_for(chat_kind kind, const std::string& name);

// Whether `text` names `me` as a word, ASCII case ignored ("@alice", "alice:").
bool mentions(const std::string& text, const std::string& me);

// The names Tab can complete: papo-server's users and topics and the local history's
// conversations (topics without '#').
struct known_names {
    std::set<std::string> users, topics;
};
// The candidates for `word`, the word being typed after the text `before` it (not yet
// filtered by `word`): command names first on the line, topics where a command takes a
// topic, users and #topics elsewhere. Never file names.
std::vector<std::string> chat_completions(chat_kind kind, const std::string& before, const std::string& word, const known_names& names);

// Tab's effect on a word: the candidates that start with it, and what the word becomes
// (the only match and a space, or the longest prefix all matches share).
struct completion {
    std::vector<std::string> matches;
    std::string word;
};
completion complete_word(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace papo::cli
