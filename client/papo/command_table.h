#pragma once
// papo's commands as data: each one's synopsis, arguments and help. The table drives
// `papo --help`, `papo help CMD` / `papo CMD --help` and the checks of the command line
// that run before any password prompt or connection.
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace papo::cli {

struct command_spec {
    enum class arguments {
        none,           // read, who, topics, outbox, login, logout, passwd
        name,           // join TOPIC, leave TOPIC
        name_and_text,  // send TO TEXT..., post TOPIC TEXT...
        optional_conversation,  // history [USER | #TOPIC]
    };
    std::string_view name;
    std::string_view synopsis;   // after "papo [options] "
    std::string_view summary;    // one line in `papo --help`
    std::string_view help;       // `papo help CMD`: what it does, in a few lines
    arguments takes = arguments::none;
    std::string_view name_kind;  // "user" or "topic": which name rules the first argument must pass
};

const std::vector<command_spec>& command_table();
// nullptr when papo has no such command.
const command_spec* find_command(std::string_view name);

// A command line that passed every check: the command, its name argument (if any) and
// its text, joined from the words, or to be read from standard input ("-").
struct checked_command {
    const command_spec* spec = nullptr;
    std::string name;
    std::string text;
    bool text_from_input = false;  // read_text() fills `text`
};

// Checks the command words (the command first), with no I/O. Throws papo::error of kind
// usage (invalid_name for a name that breaks the rules) saying what is wrong.
checked_command check_command(const std::vector<std::string>& words);
// For a text of "-": reads all of `input` into command.text, drops its last newline and
// checks it as check_command checks words (the same errors).
void read_text(checked_command& command, std::istream& input);

// Why `text` cannot be a message (empty, over max_text_bytes, not UTF-8); "" when it can.
std::string text_problem(const std::string& text);

// The text of `papo --help` before the options, and of `papo help CMD` before them.
std::string general_usage();
std::string command_usage(const command_spec& spec);

}  // namespace papo::cli
