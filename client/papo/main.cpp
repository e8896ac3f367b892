// papo: the user's command line. One-shot subcommands for scripts and devices;
// with no subcommand, an interactive chat.
#include "../command_line.h"
#include "command_table.h"
#include "context.h"
#include "screen/screen_chat.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/names.h"
#include "papo/client/history.h"
#include "papo/client/new_password.h"
#include "papo/client/state_dir.h"
#include "papo/client/stored_login.h"
#include "papo/render.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>

namespace po = boost::program_options;

namespace {

int run(const papo::cli::checked_command& command, const papo::cli::context& c) {
    using namespace papo::cli;
    const std::string name(command.spec->name);
    if (name == "send") return send_direct(c, command.name, command.text);
    if (name == "post") return post_to_topic(c, command.name, command.text);
    if (name == "join") return join_topic(c, command.name);
    if (name == "leave") return leave_topic(c, command.name);
    if (name == "read") return read_messages(c);
    if (name == "who") return list_users(c);
    if (name == "topics") return list_topics(c);
    if (name == "outbox") return show_outbox(c);
    if (name == "login") return log_in(c);
    if (name == "logout") return log_out(c);
    if (name == "passwd") return change_password(c);
    if (name == "history") return show_history(c, command.name);
    throw papo::error("papo has no handler for '" + name + "'");  // a row of the table without a file
}

// A usage error: said on stderr (and as JSON with --json); exit status 2.
int usage_error(const papo::cli::context& c, const std::string& text) {
    if (c.json) std::cout << nlohmann::json{{"ok", false}, {"code", "usage"}, {"error", text}}.dump() << "\n";
    std::cerr << "papo: " << papo::safe_text(text) << "\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    papo::leave_clients_to_process_exit();
    papo::cli::context c;
    std::string state_base, password_file, config_file, colour = "auto";
    double timeout_seconds = 5;
    int resend_after = 30;
    double hold_seconds = 10;
    std::string since;
    int history_limit = 50;
    bool plain = false;
    std::vector<std::string> words;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help (papo help COMMAND: a command's)")
        ("broker,b", po::value(&c.client.broker.broker)->default_value("tcp://127.0.0.1:1883"), "broker URL (tcp://host:port or ssl://host:port); or PAPO_BROKER, the stored login, the config file")
        ("user,u", po::value(&c.client.user), "your user name; or PAPO_USER, the stored login, the config file")
        ("profile", po::value(&c.profile)->default_value("default"), "which stored login (papo login) to use; or PAPO_PROFILE")
        ("password-file", po::value(&password_file), "file (mode 0600) with your password; without it, in this order: PAPO_PASSWORD (the password), PAPO_PASSWORD_FILE (a file), the profile's stored login (when it is this user's on this broker), else papo asks at the terminal")
        ("new-password-file", po::value(&c.new_password_file), "passwd: file (mode 0600) with the new password; or PAPO_NEW_PASSWORD, else asked twice")
        ("ca-file", po::value(&c.client.broker.ca_file), "CA certificate for ssl:// brokers; or PAPO_CA_FILE")
        ("config", po::value(&config_file), "config file (default $XDG_CONFIG_HOME/papo/config, ~/.config/papo/config); or PAPO_CONFIG")
        ("json", po::bool_switch(&c.json), "machine-readable output: one JSON document per line")
        ("color", po::value(&colour)->value_name("WHEN"), "colour the lines for people: auto (on a terminal, unless NO_COLOR is set; the default), always, never")
        ("plain", po::bool_switch(&plain), "the chat as lines above a prompt, not the full screen (which opens on a terminal unless TERM is dumb)")
        ("wait", po::value(&c.wait_seconds)->default_value(0), "read: keep waiting for new messages this many seconds")
        ("timeout", po::value(&timeout_seconds)->default_value(5), "seconds to wait for the broker and papo-server (0.001 to 3600)")
        ("resend-after", po::value(&resend_after)->default_value(30), "send an unconfirmed message again at most this often (seconds) when papo connects")
        ("hold", po::value(&hold_seconds)->default_value(10), "seconds a DM that overtook an earlier one of its sender waits for it (0: show at once)")
        ("state-dir", po::value(&state_base), "where papo keeps seen message ids, its spool and the history (default ~/.local/state/papo)")
        ("history-days", po::value(&c.client.history_days)->default_value(365), "keep the local history (papo history) this many days (0: keep nothing)")
        ("search", po::value(&c.search_words)->value_name("WORDS"), "history: only messages with all these words")
        ("since", po::value(&since)->value_name("DATE"), "history: only messages from DATE on (2026-12-01, \"2026-12-01 10:00\", 7d, 12h)")
        ("limit", po::value(&history_limit)->default_value(50), "history: at most the last N messages (0: all)");
    // What a stored login sets, and the keys of the config file (docs/commands.md, "Configuration").
    po::options_description login_keys;
    login_keys.add_options()
        ("broker", po::value(&c.client.broker.broker))
        ("user", po::value(&c.client.user))
        ("ca-file", po::value(&c.client.broker.ca_file));
    po::options_description config_keys;
    config_keys.add_options()
        ("broker", po::value(&c.client.broker.broker))
        ("user", po::value(&c.client.user))
        ("ca-file", po::value(&c.client.broker.ca_file))
        ("timeout", po::value(&timeout_seconds))
        ("resend-after", po::value(&resend_after))
        ("hold", po::value(&hold_seconds))
        ("color", po::value(&colour))
        ("plain", po::value(&plain))
        ("state-dir", po::value(&state_base))
        ("history-days", po::value(&c.client.history_days));
    po::variables_map values;
    std::optional<papo::stored_login> stored;
    try {
        // Command line over environment over the stored login over the config file.
        values = papo::cli::parse_command_line(argc, argv, options, words);
        papo::cli::store_environment(options, {{"PAPO_BROKER", "broker"}, {"PAPO_USER", "user"}, {"PAPO_PROFILE", "profile"},
                                               {"PAPO_CA_FILE", "ca-file"}, {"PAPO_CONFIG", "config"}}, values);
        const bool asks_help = values.count("help") || (!words.empty() && words[0] == "help");
        if (!asks_help) {
            c.profile = values["profile"].as<std::string>();
            if (const auto problem = papo::profile_problem(c.profile); !problem.empty()) throw std::runtime_error(problem);
            c.login_path = papo::stored_login_path("logins", c.profile);
            if (words.empty() || words[0] != "logout") stored = papo::read_stored_login(c.login_path);
            if (stored) {
                std::string lines = "broker=" + stored->broker + "\nuser=" + stored->user + "\n";
                if (!stored->ca_file.empty()) lines += "ca-file=" + stored->ca_file + "\n";
                papo::cli::store_key_values(lines, login_keys, values);
            }
            const bool named = values.count("config") != 0;
            papo::cli::store_config_file(named ? values["config"].as<std::string>() : papo::config_dir() + "/config", named,
                                         config_keys, values);
        }
        po::notify(values);
    } catch (const papo::error& e) {  // a stored login that is unsafe or unreadable, no home folder
        std::cerr << "papo: " << papo::safe_text(e.what()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "papo: " << papo::safe_text(e.what()) << " (papo --help)\n";
        return 2;
    }
    // papo --help, papo help [COMMAND], papo COMMAND --help.
    const bool help_command = !words.empty() && words[0] == "help";
    if (values.count("help") || help_command) {
        const std::size_t topic = help_command ? 1 : 0;
        if (words.size() > topic + 1) return usage_error(c, "usage: papo help [COMMAND]");
        if (words.size() == topic) {
            std::cout << papo::cli::general_usage() << options;
            return 0;
        }
        const auto* spec = papo::cli::find_command(words[topic]);
        if (!spec) return usage_error(c, "unknown command '" + words[topic] + "' (papo --help lists the commands)");
        std::cout << papo::cli::command_usage(*spec) << options;
        return 0;
    }

    // Every option and argument is checked here, before any password prompt or connection.
    // Paho cannot wait less than a millisecond (0 aborted papo inside Paho).
    for (const auto& problem : {papo::cli::seconds_problem("--timeout", timeout_seconds, 0.001, 3600),
                                papo::cli::seconds_problem("--wait", c.wait_seconds, 0, 1e9),
                                papo::cli::seconds_problem("--hold", hold_seconds, 0, 86400),
                                papo::cli::seconds_problem("--resend-after", resend_after, 0, 1e9)})
        if (problem) return usage_error(c, *problem);
    if (c.client.history_days < 0 || c.client.history_days > 100000)
        return usage_error(c, "--history-days must be between 0 and 100000");
    if (history_limit < 0) return usage_error(c, "--limit must be 0 or more");
    c.limit = static_cast<std::size_t>(history_limit);
    if (!since.empty()) {
        c.since = papo::parse_since(since);
        if (!c.since) return usage_error(c, "--since must be a date (2026-12-01, \"2026-12-01 10:00\") or an age (7d, 12h), not '" + since + "'");
    }
    const auto wanted = papo::cli::colour_wanted(colour, c.json);
    if (!wanted) return usage_error(c, "--color must be auto, always or never, not '" + colour + "'");
    c.style.colour = *wanted;
    if (const auto problem = papo::cli::broker_url_problem(c.client.broker.broker)) return usage_error(c, *problem);
    papo::cli::checked_command command;
    bool logging_out = false;
    try {
        if (!words.empty()) command = papo::cli::check_command(words);
        if (command.spec && command.spec->name == "logout") logging_out = true;
        else if (c.client.user.empty())
            return usage_error(c, "say who you are: --user NAME (or set PAPO_USER, or run papo login --user NAME once)");
        if (!logging_out) papo::require_valid_name(c.client.user, "user");
        if (!words.empty()) papo::cli::read_text(command, std::cin);  // last: a bad command line leaves stdin unread
    } catch (const papo::error& e) {
        return usage_error(c, e.what());
    }
    c.client.broker.username = c.client.user;
    c.client.resend_after = std::chrono::seconds(resend_after);
    c.client.hold = std::chrono::milliseconds(static_cast<long>(hold_seconds * 1000));
    c.client.broker.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    try {
        if (logging_out) return papo::cli::log_out(c);
        // passwd: a new password from a file or PAPO_NEW_PASSWORD is checked before any prompt.
        const bool changing_password = command.spec && command.spec->name == "passwd";
        if (changing_password && (!c.new_password_file.empty() || std::getenv("PAPO_NEW_PASSWORD")))
            c.new_password = papo::new_password(c.new_password_file, c.client.user, "papo");
        c.client.state_dir = papo::default_state_dir(state_base, c.client.user, c.client.broker.broker);
        // Local only: no password, no connection.
        if (command.spec && command.spec->name == "history") return run(command, c);
        // The stored password only for the user and broker it was checked with; never for
        // papo login, which checks a password anew.
        const bool is_login = command.spec && command.spec->name == "login";
        papo::password_sources sources{password_file, "PAPO_PASSWORD", "PAPO_PASSWORD_FILE", "password for " + c.client.user + ": ", ""};
        if (stored && !is_login && stored->user == c.client.user && stored->broker == c.client.broker.broker)
            sources.stored = stored->password;
        c.client.broker.password = papo::resolve_password(sources);
        auto set = [](const char* variable) { const char* v = std::getenv(variable); return v && *v; };
        c.password_from_login = !sources.stored.empty() && password_file.empty() && !set("PAPO_PASSWORD") && !set("PAPO_PASSWORD_FILE");
        if (words.empty()) return papo::cli::screen_wanted(c, plain) ? papo::cli::screen_chat(c) : papo::cli::interactive(c);
        return run(command, c);
    } catch (const std::exception& e) {
        const auto* known = dynamic_cast<const papo::error*>(&e);
        if (known && known->kind() == papo::error_kind::usage) return usage_error(c, e.what());
        std::string text = e.what();
        if (known && known->kind() == papo::error_kind::login_refused && c.password_from_login)
            text += " (the password was the stored login of profile " + c.profile + ": run papo login again)";
        if (c.json) std::cout << nlohmann::json{{"ok", false}, {"error", text}}.dump() << "\n";
        std::cerr << "papo: " << papo::safe_text(text) << "\n";  // errors quote server answers and names
        return 1;
    }
}
