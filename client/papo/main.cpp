// papo: the user's command line. One-shot subcommands for scripts and devices;
// with no subcommand, an interactive chat.
#include "../command_line.h"
#include "context.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/names.h"
#include "papo/client/state_dir.h"
#include "papo/render.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>

namespace po = boost::program_options;

namespace {

const char* usage = R"(Usage: papo [options] [command [args]]

With no command, papo opens an interactive chat (type /help there).

Commands:
  send TO TEXT          send a direct message; it waits in TO's queue if TO is offline
  post TOPIC TEXT       post to a topic: every member gets it, offline members later
  join TOPIC            join a topic (its posts reach you from now on)
  leave TOPIC           leave a topic
  read                  print the messages waiting for you, then stop
  read --wait SECONDS   ... then keep printing new messages for SECONDS
  who                   users and whether they are online
  topics                topics, member counts, and which you joined
  outbox                your messages no reader has confirmed yet (papo sends them
                        again when it connects); --json for scripts

)";

int run(const std::string& command, const std::vector<std::string>& args, const papo::cli::context& c) {
    using namespace papo::cli;
    auto need = [&](std::size_t count, const char* shape) {
        if (args.size() != count) throw papo::error(std::string("usage: papo ") + shape);
    };
    if (command == "register")
        throw papo::error("accounts are made by the manager: papo-admin users add " + (c.client.user.empty() ? "NAME" : c.client.user));
    if (command == "send") return need(2, "--user NAME send TO TEXT"), send_direct(c, args[0], args[1]);
    if (command == "post") return need(2, "--user NAME post TOPIC TEXT"), post_to_topic(c, args[0], args[1]);
    if (command == "join") return need(1, "--user NAME join TOPIC"), join_topic(c, args[0]);
    if (command == "leave") return need(1, "--user NAME leave TOPIC"), leave_topic(c, args[0]);
    if (command == "read") return need(0, "--user NAME read [--wait SECONDS] [--json]"), read_messages(c);
    if (command == "who") return need(0, "who"), list_users(c);
    if (command == "topics") return need(0, "topics"), list_topics(c);
    if (command == "outbox") return need(0, "--user NAME outbox"), show_outbox(c);
    throw papo::error("unknown command '" + command + "' (try papo --help)");
}

}  // namespace

int main(int argc, char** argv) {
    papo::leave_clients_to_process_exit();
    papo::cli::context c;
    std::string state_base, password_file;
    double timeout_seconds = 5;
    int resend_after = 30;
    double hold_seconds = 10;
    std::vector<std::string> words;
    po::options_description options("Options");
    options.add_options()
        ("help,h", "show this help")
        ("broker,b", po::value(&c.client.broker.broker)->default_value("tcp://127.0.0.1:1883"), "broker URL (tcp://host:port or ssl://host:port); or PAPO_BROKER")
        ("user,u", po::value(&c.client.user), "your user name; or PAPO_USER")
        ("password-file", po::value(&password_file), "file (mode 0600) with your password; or PAPO_PASSWORD_FILE, or PAPO_PASSWORD, or be asked")
        ("ca-file", po::value(&c.client.broker.ca_file), "CA certificate for ssl:// brokers")
        ("json", po::bool_switch(&c.json), "machine-readable output: one JSON document per line")
        ("wait", po::value(&c.wait_seconds)->default_value(0), "read: keep waiting for new messages this many seconds")
        ("timeout", po::value(&timeout_seconds)->default_value(5), "seconds to wait for the broker and papo-server")
        ("resend-after", po::value(&resend_after)->default_value(30), "send an unconfirmed message again at most this often (seconds) when papo connects")
        ("hold", po::value(&hold_seconds)->default_value(10), "seconds a DM that overtook an earlier one of its sender waits for it (0: show at once)")
        ("state-dir", po::value(&state_base), "where papo keeps seen message ids and its spool (default ~/.local/state/papo)");
    po::variables_map values;
    try {
        values = papo::cli::parse_command_line(argc, argv, options, words);
    } catch (const std::exception& e) {
        std::cerr << "papo: " << e.what() << "\n";
        return 2;
    }
    if (values.count("help")) {
        std::cout << usage << options;
        return 0;
    }
    // Paho cannot wait less than a millisecond (0 aborted papo inside Paho).
    if (!(timeout_seconds >= 0.001 && timeout_seconds <= 3600)) {
        std::cerr << "papo: --timeout must be between 0.001 and 3600 seconds\n";
        return 2;
    }
    if (const char* env = std::getenv("PAPO_BROKER"); env && values["broker"].defaulted()) c.client.broker.broker = env;
    if (const char* env = std::getenv("PAPO_USER"); env && c.client.user.empty()) c.client.user = env;
    c.client.broker.username = c.client.user;
    c.client.resend_after = std::chrono::seconds(std::max(0, resend_after));
    c.client.hold = std::chrono::milliseconds(static_cast<long>(std::max(0.0, hold_seconds) * 1000));
    c.client.broker.timeout = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
    try {
        if (!c.client.user.empty()) {
            papo::require_valid_name(c.client.user, "user");
            c.client.state_dir = papo::default_state_dir(state_base, c.client.user, c.client.broker.broker);
            c.client.broker.password = papo::resolve_password(
                {password_file, "PAPO_PASSWORD", "PAPO_PASSWORD_FILE", "password for " + c.client.user + ": "});
        }
        if (words.empty()) {
            if (c.client.user.empty()) throw papo::error("say who you are: papo --user NAME");
            return papo::cli::interactive(c);
        }
        return run(words[0], {words.begin() + 1, words.end()}, c);
    } catch (const std::exception& e) {
        if (c.json) std::cout << nlohmann::json{{"ok", false}, {"error", e.what()}}.dump() << "\n";
        std::cerr << "papo: " << papo::safe_text(e.what()) << "\n";  // errors quote server answers and names
        return 1;
    }
}
