// papo-admin: the manager's command line. Each command becomes one request to
// papo-server (like mosquitto_ctrl); tables for people, --json for scripts.
#include "../command_line.h"
#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/names.h"
#include "papo/render.h"
#include "papo/rpc.h"
#include "papo/client/new_password.h"
#include "papo/client/stored_login.h"
#include "papo/client/table.h"

#include <boost/program_options.hpp>

#include <iostream>
#include <optional>

namespace po = boost::program_options;

namespace {

const char* usage = R"(Usage: papo-admin [options] <group> <command> [NAME]
       papo-admin [options] login | logout

  users  add NAME      create a user, its broker account and its queue (refuses a name that exists)
  users  passwd NAME   set a user's password
  users  rm NAME       remove a user, its account, its queue and its waiting messages
  users  ls            list users with presence and joined topics
  topics add NAME      create a chat topic
  topics rm NAME       remove a topic (posting to it fails from then on)
  topics ls            list topics with their member counts
  queues add NAME      create a named queue (with its own account) for devices and services
  queues rm NAME       remove a named queue and its waiting messages
  queues ls            list every queue with the number of messages waiting in it
  queues purge NAME    drop the messages waiting in a queue (its owner must be offline)
  login                check papo-admin's password with the broker once and keep it
                       ($XDG_CONFIG_HOME/papo/admin-logins/PROFILE, 0600): later commands ask nothing
  logout               forget the stored login of the profile

)"
R"(papo-admin logs in as papo-admin: its password comes from --password-file, else
PAPO_ADMIN_PASSWORD (the password), else PAPO_ADMIN_PASSWORD_FILE (a file), else the
profile's stored login (papo-admin login; when it is for this broker), else it is asked for
at a terminal. --broker: the command line, PAPO_BROKER, the stored login, the config file
($XDG_CONFIG_HOME/papo/config: broker, ca-file, timeout), then tcp://127.0.0.1:1883. The new password of 'users add', 'users passwd' and 'queues add'
comes from --new-password-file, else PAPO_NEW_PASSWORD, else it is asked for twice at a
terminal (8 to 256 bytes; asked again, up to 3 times, when too short or when the two differ).
Names are checked before any prompt or connection.

--json prints the answer's data (users ls: an array of users; users add: the new user),
or on a failure {"ok": false, "code": ..., "error": ...}.

Exit status: 0 success, 1 failure (the reason is on stderr), 2 usage error (an unknown
or incomplete command, an invalid name or option value: nothing was asked or sent).

)";

std::string text_of(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
    if (value.is_array()) {
        std::string joined;
        for (const auto& item : value) joined += (joined.empty() ? "" : ",") + text_of(item);
        return joined.empty() ? "-" : joined;
    }
    return value.dump();
}

void print_table(const nlohmann::json& rows, const std::vector<std::pair<std::string, std::string>>& columns) {
    std::vector<std::string> header;
    for (const auto& column : columns) header.push_back(column.second);
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (const auto& column : columns) line.push_back(text_of(row.value(column.first, nlohmann::json("-"))));
        cells.push_back(std::move(line));
    }
    if (cells.empty()) std::cout << "(none)\n";
    else std::cout << papo::format_table(header, cells);
}

void print_result(const std::string& command, const nlohmann::json& data) {
    if (command == "users.ls")
        return print_table(data, {{"name", "USER"}, {"online", "ONLINE"}, {"topics", "TOPICS"}, {"created_at", "CREATED"}});
    if (command == "topics.ls") return print_table(data, {{"name", "TOPIC"}, {"members", "MEMBERS"}, {"created_at", "CREATED"}});
    if (command == "queues.ls")
        return print_table(data, {{"name", "QUEUE"}, {"messages", "MESSAGES"}, {"kind", "KIND"}, {"online", "ONLINE"}});
    const std::string name = data.value("name", "");
    if (command == "users.add") std::cout << "created user " << name << " and its queue\n";
    else if (command == "users.rm") std::cout << "removed user " << name << ", its account and its queue\n";
    else if (command == "users.passwd") std::cout << "changed the password of " << name << "\n";
    else if (command == "topics.add") std::cout << "created topic " << name << "\n";
    else if (command == "topics.rm") std::cout << "removed topic " << name << "\n";
    else if (command == "queues.add") std::cout << "created queue " << name << "\n";
    else if (command == "queues.rm") std::cout << "removed queue " << name << "\n";
    else if (command == "queues.purge") std::cout << "purged " << data.value("purged", 0) << " messages from " << name << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    papo::leave_clients_to_process_exit();
    papo::session_options broker;
    bool as_json = false;
    double timeout_seconds = 5;
    std::string password_file, new_password_file, profile = "default", config_file;
    std::vector<std::string> words;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help")
        ("broker,b", po::value(&broker.broker)->default_value("tcp://127.0.0.1:1883"), "broker URL (tcp://host:port or ssl://host:port); or PAPO_BROKER, the stored login, the config file")
        ("profile", po::value(&profile)->default_value("default"), "which stored login (papo-admin login) to use; or PAPO_PROFILE")
        ("password-file", po::value(&password_file), "file (mode 0600) with papo-admin's broker password")
        ("new-password-file", po::value(&new_password_file), "users add / users passwd / queues add: file (mode 0600) with the new password")
        ("ca-file", po::value(&broker.ca_file), "CA certificate for ssl:// brokers; or PAPO_CA_FILE")
        ("config", po::value(&config_file), "config file (default $XDG_CONFIG_HOME/papo/config, ~/.config/papo/config); or PAPO_CONFIG")
        ("json", po::bool_switch(&as_json), "print the answer's data as JSON; a failure as {\"ok\": false, \"code\", \"error\"}")
        ("timeout", po::value(&timeout_seconds)->default_value(5), "seconds to wait for papo-server (0.001 to 3600)");
    // What a stored login sets; the config file's keys (papo's own ones are allowed and ignored).
    po::options_description login_keys;
    login_keys.add_options()("broker", po::value(&broker.broker))("ca-file", po::value(&broker.ca_file));
    po::options_description config_keys;
    config_keys.add_options()
        ("broker", po::value(&broker.broker))
        ("ca-file", po::value(&broker.ca_file))
        ("timeout", po::value(&timeout_seconds))
        ("user", po::value<std::string>())
        ("resend-after", po::value<std::string>())
        ("hold", po::value<std::string>())
        ("state-dir", po::value<std::string>());
    std::optional<papo::stored_login> stored;
    std::string login_path;
    try {
        auto values = papo::cli::parse_command_line(argc, argv, options, words);
        if (values.count("help") || words.empty()) {
            std::cout << usage << options;
            return words.empty() && !values.count("help") ? 2 : 0;
        }
        // Command line over environment over the stored login over the config file.
        papo::cli::store_environment(options, {{"PAPO_BROKER", "broker"}, {"PAPO_PROFILE", "profile"}, {"PAPO_CA_FILE", "ca-file"},
                                               {"PAPO_CONFIG", "config"}}, values);
        profile = values["profile"].as<std::string>();
        if (const auto problem = papo::profile_problem(profile); !problem.empty()) throw std::runtime_error(problem);
        login_path = papo::stored_login_path("admin-logins", profile);
        if (words[0] != "logout") stored = papo::read_stored_login(login_path);
        if (stored) papo::cli::store_key_values("broker=" + stored->broker + "\n" + (stored->ca_file.empty() ? "" : "ca-file=" + stored->ca_file + "\n"),
                                                login_keys, values);
        const bool named = values.count("config") != 0;
        papo::cli::store_config_file(named ? values["config"].as<std::string>() : papo::config_dir() + "/config", named, config_keys, values);
        po::notify(values);
    } catch (const papo::error& e) {  // a stored login that is unsafe or unreadable, no home folder
        std::cerr << "papo-admin: " << papo::safe_text(e.what()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "papo-admin: " << papo::safe_text(e.what()) << " (papo-admin --help)\n";
        return 2;
    }
    auto usage_error = [&](const std::string& text) {
        if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", "usage"}, {"error", text}}.dump(2) << "\n";
        std::cerr << "papo-admin: " << papo::safe_text(text) << "\n";
        return 2;
    };
    // Every option and argument is checked here, before any password prompt or connection.
    if (const auto problem = papo::cli::seconds_problem("--timeout", timeout_seconds, 0.001, 3600)) return usage_error(*problem);
    if (const auto problem = papo::cli::broker_url_problem(broker.broker)) return usage_error(*problem);
    broker.username = "papo-admin";
    broker.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    auto admin_password = [&](bool use_stored) {
        papo::password_sources sources{password_file, "PAPO_ADMIN_PASSWORD", "PAPO_ADMIN_PASSWORD_FILE", "papo-admin's broker password: ", ""};
        if (use_stored && stored && stored->broker == broker.broker) sources.stored = stored->password;
        return papo::resolve_password(sources);
    };
    if (words[0] == "login" || words[0] == "logout") {
        if (words.size() != 1) return usage_error("usage: papo-admin [options] " + words[0]);
        try {
            if (words[0] == "logout") {
                const bool removed = papo::remove_stored_login(login_path);
                if (as_json) std::cout << nlohmann::json{{"ok", true}, {"profile", profile}, {"removed", removed}}.dump(2) << "\n";
                else std::cout << (removed ? "logged out (profile " + profile + ")" : "no stored login for profile " + profile) << "\n";
                return 0;
            }
            broker.password = admin_password(false);
            { papo::rpc_client check(broker, "papo-admin"); }  // a real CONNECT: a wrong password keeps nothing
            papo::write_stored_login(login_path, {broker.broker, "papo-admin", broker.ca_file, broker.password});
            if (as_json) std::cout << nlohmann::json{{"ok", true}, {"broker", broker.broker}, {"profile", profile}}.dump(2) << "\n";
            else std::cout << "logged in as papo-admin on " << papo::safe_text(broker.broker) << " (profile " << profile
                           << "): later commands need no password\n";
            return 0;
        } catch (const std::exception& e) {
            if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", "error"}, {"error", e.what()}}.dump(2) << "\n";
            std::cerr << "papo-admin: " << papo::safe_text(e.what()) << "\n";
            return 1;
        }
    }

    const std::string group = words[0];
    const std::string verb = words.size() > 1 ? words[1] : "";
    const bool known_group = group == "users" || group == "topics" || group == "queues";
    const bool needs_name = verb == "add" || verb == "rm" || verb == "purge" || verb == "passwd";
    const bool known_verb = verb == "ls" || verb == "add" || verb == "rm" || (verb == "purge" && group == "queues") ||
                            (verb == "passwd" && group == "users");
    if (!known_group || !known_verb || (needs_name && words.size() != 3) || (!needs_name && words.size() != 2)) {
        std::string typed;
        for (std::size_t i = 0; i < words.size(); ++i) typed += (i ? " " : "") + words[i];
        if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", "usage"}, {"error", "unknown or incomplete command"}}.dump(2) << "\n";
        std::cerr << "papo-admin: unknown or incomplete command '" << papo::safe_text(typed) << "'\n" << usage;
        return 2;
    }
    // A new name must pass the rules (papo-server checks them again, with the look-alike
    // rules); so must the name of a password reset. rm and purge leave that to papo-server,
    // so that a name made under older rules can still be removed.
    if (verb == "add" || verb == "passwd") {
        try {
            papo::require_valid_name(words[2], group == "users" ? "user" : group == "topics" ? "topic" : "queue");
        } catch (const papo::error& e) {
            if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", papo::code_of(e.kind())}, {"error", e.what()}}.dump(2) << "\n";
            std::cerr << "papo-admin: " << papo::safe_text(e.what()) << "\n";
            return 2;
        }
    }
    const std::string command = group + "." + verb;
    nlohmann::json args = nlohmann::json::object();
    if (needs_name) args["name"] = words[2];
    try {
        if ((verb == "add" && group != "topics") || verb == "passwd")
            args["password"] = papo::new_password(new_password_file, words[2], "papo-admin");
        broker.password = admin_password(true);
        papo::rpc_client server(broker, "papo-admin");
        const auto data = server.call(command, args, broker.timeout);
        if (as_json) std::cout << data.dump(2) << "\n";
        else print_result(command, data);
        return 0;
    } catch (const papo::error& e) {
        if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", papo::code_of(e.kind())}, {"error", e.what()}}.dump(2) << "\n";
        std::cerr << "papo-admin: " << papo::safe_text(e.what()) << "\n";  // answers quote names
        return 1;
    } catch (const std::exception& e) {
        if (as_json) std::cout << nlohmann::json{{"ok", false}, {"code", "error"}, {"error", e.what()}}.dump(2) << "\n";
        std::cerr << "papo-admin: " << papo::safe_text(e.what()) << "\n";
        return 1;
    }
}
