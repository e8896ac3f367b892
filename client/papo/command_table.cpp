// papo's command table and the checks of a command line (command_table.h).
#include "command_table.h"

#include "papo/error.h"
#include "papo/messages.h"
#include "papo/names.h"
#include "papo/render.h"

#include <algorithm>
#include <istream>
#include <iterator>

namespace papo::cli {
namespace {

using arguments = command_spec::arguments;

std::string limit_text() {
    return std::to_string(max_text_bytes) + " bytes (" + std::to_string(max_text_bytes / 1024) + " KiB)";
}

// What every command that sends text says about it.
std::string text_rules() {
    return "TEXT is the words after the name, joined by single spaces (quote it to keep\n"
           "several spaces; put -- before a text that starts with '-'). A lone '-' reads the\n"
           "text from standard input: all of it, without its last newline. A text is 1 to\n" +
           limit_text() + " of UTF-8; papo refuses a longer one before it connects.\n";
}

const std::vector<command_spec> table{
    {"send", "send TO TEXT...", "send a direct message; it waits in TO's queue if TO is offline",
     "Sends TEXT to the user TO. If TO is offline it waits in TO's queue; if the broker or\n"
     "papo-server is away it waits in your outbox and papo sends it when it next connects.\n",
     arguments::name_and_text, "user"},
    {"post", "post TOPIC TEXT...", "post to a topic: every member gets it, offline members later",
     "Posts TEXT to TOPIC: every member gets it, offline members when they come back.\n",
     arguments::name_and_text, "topic"},
    {"join", "join TOPIC", "join a topic (its posts reach you from now on)",
     "Joins TOPIC: its posts reach your queue from now on. Its last posts (papo-server's\n"
     "--history, default 50) are shown first, marked (history); with --json, lines of kind\n"
     "\"history\". They are not new messages and are not counted in your queue.\n", arguments::name, "topic"},
    {"leave", "leave TOPIC", "leave a topic", "Leaves TOPIC: its posts stop reaching you.\n", arguments::name, "topic"},
    {"read", "read [--wait SECONDS] [--json]", "print the messages waiting for you, then stop (--wait: keep going)",
     "Prints the messages waiting in your queue, each once, in order, then stops; with\n"
     "--wait SECONDS it keeps printing new ones for that long. Ctrl-C ends it cleanly.\n",
     arguments::none, ""},
    {"who", "who [--json]", "users and whether they are online (you: online, marked (you))",
     "Lists the users and whether they are online; you are online while you ask, marked (you).\n",
     arguments::none, ""},
    {"topics", "topics [--json]", "topics, member counts, and which you joined",
     "Lists the topics, their member counts and which of them you joined.\n", arguments::none, ""},
    {"outbox", "outbox [--json]", "your messages no reader has confirmed yet",
     "Lists your messages no reader has confirmed yet (papo sends them again when it\n"
     "connects, at most every --resend-after seconds).\n",
     arguments::none, ""},
    {"history", "history [USER | #TOPIC] [--search WORDS] [--since DATE] [--limit N] [--json]",
     "messages papo showed or sent, kept on this machine (no connection needed)",
     "Prints the messages papo showed you or you sent (read, send, post, the chat), kept in\n"
     "a SQLite file in your state folder (history.sqlite, 0600), oldest first, each with its\n"
     "day. USER keeps the DMs with USER, #TOPIC the posts of TOPIC. --search WORDS keeps the\n"
     "messages with every word (each a prefix: \"buil\" finds \"build\"; quote several\n"
     "words); --since DATE those from DATE on (2026-12-01, \"2026-12-01 10:00\", 7d, 12h).\n"
     "It prints the last --limit N of those (default 50; 0: all). --history-days N (default\n"
     "365; 0 keeps nothing) is how long messages are kept: older ones are removed whenever\n"
     "papo opens the file. Connects to nothing and asks no password; it does not change\n"
     "what papo read shows next.\n",
     arguments::optional_conversation, ""},
    {"login", "login [--profile NAME]", "check your password with the broker once and keep it for later commands",
     "Asks your password once (or takes it from --password-file, PAPO_PASSWORD or\n"
     "PAPO_PASSWORD_FILE), logs in to the broker with it, and keeps the broker, your name\n"
     "and the password in $XDG_CONFIG_HOME/papo/logins/PROFILE (0600; default profile\n"
     "\"default\", ~/.config when XDG_CONFIG_HOME is unset). Later commands of that profile\n"
     "need no password, --broker or --user. A wrong password keeps nothing (exit 1).\n",
     arguments::none, ""},
    {"logout", "logout [--profile NAME]", "forget the stored login of a profile",
     "Removes the stored login of the profile (default \"default\"); the next command asks\n"
     "for the password again. Connects to nothing.\n",
     arguments::none, ""},
    {"passwd", "passwd [--new-password-file FILE]", "change your own password (the stored login follows)",
     "Changes your own password: the current one comes from the stored login (or is asked),\n"
     "the new one from --new-password-file, PAPO_NEW_PASSWORD, or is asked twice (8 to 256\n"
     "bytes). papo-server sets it; papo checks it by logging in with it, and rewrites the\n"
     "profile's stored login when it is yours.\n",
     arguments::none, ""},
};

[[noreturn]] void usage_error(const std::string& text) { throw error(error_kind::usage, text); }

std::string joined(std::vector<std::string>::const_iterator from, std::vector<std::string>::const_iterator to) {
    std::string text;
    for (auto word = from; word != to; ++word) text += (word == from ? "" : " ") + *word;
    return text;
}

}  // namespace

const std::vector<command_spec>& command_table() { return table; }

const command_spec* find_command(std::string_view name) {
    for (const auto& spec : table)
        if (spec.name == name) return &spec;
    return nullptr;
}

std::string text_problem(const std::string& text) {
    if (text.empty()) return "the text is empty";
    if (text.size() > max_text_bytes)
        return "the text has " + std::to_string(text.size()) + " bytes; a message has at most " + limit_text();
    if (!is_valid_utf8(text)) return "the text is not valid UTF-8";
    return "";
}

checked_command check_command(const std::vector<std::string>& words) {
    if (words.empty()) usage_error("no command (papo --help lists them)");
    const std::string& command = words[0];
    if (command == "register") usage_error("accounts are made by the manager: papo-admin users add NAME");
    const command_spec* spec = find_command(command);
    if (!spec) usage_error("unknown command '" + safe_text(command) + "' (papo --help lists the commands)");
    const std::string shape = "usage: papo [options] " + std::string(spec->synopsis) + " (papo help " + command + ")";
    checked_command checked;
    checked.spec = spec;
    const std::size_t given = words.size() - 1;
    switch (spec->takes) {
        case arguments::none:
            if (given != 0) usage_error(command + " takes no arguments; " + shape);
            return checked;
        case arguments::name:
            if (given != 1) usage_error(shape);
            break;
        case arguments::name_and_text:
            if (given < 2) usage_error(shape);
            break;
        case arguments::optional_conversation:
            if (given > 1) usage_error(shape);
            if (given == 0) return checked;
            checked.name = words[1];
            if (checked.name.size() > 1 && checked.name[0] == '#') require_valid_name(checked.name.substr(1), "topic");
            else require_valid_name(checked.name, "user");
            return checked;
    }
    checked.name = words[1];
    require_valid_name(checked.name, spec->name_kind);  // invalid_name, which papo reports as a usage error
    if (spec->takes == arguments::name_and_text) {
        checked.text_from_input = given == 2 && words[2] == "-";
        if (!checked.text_from_input) {
            checked.text = joined(words.begin() + 2, words.end());
            if (const auto problem = text_problem(checked.text); !problem.empty()) usage_error(problem + "; nothing was sent");
        }
    }
    return checked;
}

void read_text(checked_command& command, std::istream& input) {
    if (!command.text_from_input) return;
    command.text.assign(std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>());
    if (input.bad()) usage_error("cannot read the text from standard input; nothing was sent");
    if (!command.text.empty() && command.text.back() == '\n') command.text.pop_back();
    if (const auto problem = text_problem(command.text); !problem.empty())
        usage_error(problem + " (read from standard input); nothing was sent");
}

std::string general_usage() {
    std::string text =
        "Usage: papo [options] [command [args]]\n"
        "\n"
        "With no command, papo opens an interactive chat (type /help there).\n"
        "\n"
        "Commands (papo help COMMAND, or papo COMMAND --help, tells more):\n";
    for (const auto& spec : table) {
        std::string line = "  " + std::string(spec.synopsis);
        line.resize(std::max<std::size_t>(line.size() + 2, 34), ' ');
        text += line + std::string(spec.summary) + "\n";
    }
    text += "  help [COMMAND]                  this help, or a command's\n\n" + text_rules() +
            "\n"
            "Exit status: 0 success, 1 failure (the reason is on stderr), 2 usage error (a bad\n"
            "command line, found before any password prompt or connection: nothing was sent).\n"
            "\n";
    return text;
}

std::string command_usage(const command_spec& spec) {
    std::string text = "Usage: papo [options] " + std::string(spec.synopsis) + "\n\n" + std::string(spec.help);
    if (spec.takes == arguments::name_and_text) text += "\n" + text_rules();
    return text + "\n";
}

}  // namespace papo::cli
