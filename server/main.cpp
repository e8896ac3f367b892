// papo-server: the management service. Administers users, topics and queues
// through the retained registry, and counts what waits in each queue.
#include "papo/server/server_runner.h"

#include "papo/server/broker_security.h"
#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/session.h"
#include "papo/supervisor.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

namespace po = boost::program_options;

namespace {
std::atomic<bool> stop_requested{false};
void request_stop(int) { stop_requested = true; }
}  // namespace

int main(int argc, char** argv) {
    papo::server_config config;
    std::string config_file, password_file, init_security, secrets_dir = "data/secrets";
    papo::ejabberd_api ejabberd{"", "papo-api@papo.localhost", "", "papo.localhost"};
    std::vector<std::string> ejabberd_urls;
    std::string ejabberd_password_file;
    int snapshot_ms = 100;
    po::options_description options("papo-server options");
    options.add_options()
        ("help,h", "show this help")
        ("broker,b", po::value(&config.broker.broker)->default_value("tcp://127.0.0.1:1883"), "broker URL (tcp://host:port or ssl://host:port); or PAPO_BROKER")
        ("other-broker", po::value(&config.broker.other_brokers)->value_name("URL")->composing(), "another node of the same broker cluster (repeatable): tried in turn when --broker cannot be reached")
        ("username", po::value(&config.broker.username)->default_value("papo-server"), "papo-server's account on the broker")
        ("password-file", po::value(&password_file), "file (mode 0600) holding papo-server's broker password; or PAPO_SERVER_PASSWORD_FILE, or PAPO_SERVER_PASSWORD")
        ("no-accounts", po::bool_switch(&config.no_accounts), "the broker has no dynamic-security plugin (an open broker, e.g. for benchmarks): manage no accounts")
        ("init-security", po::value(&init_security)->value_name("DYNSEC_FILE"), "first-time setup, then exit: write the broker's dynamic-security file and fresh papo-server / papo-admin passwords into --secrets-dir")
        ("secrets-dir", po::value(&secrets_dir)->default_value("data/secrets"), "where --init-security writes papo-server.password and papo-admin.password")
        ("ca-file", po::value(&config.broker.ca_file), "CA certificate for ssl:// brokers")
        ("ejabberd-api", po::value(&ejabberd_urls)->value_name("URL")->composing(), "the broker is ejabberd (scripts/ejabberd-cluster.sh): manage accounts through its HTTP API at URL (http://127.0.0.1:PORT/api) instead of Mosquitto's dynamic security; repeatable, one per node, tried in turn when one cannot be reached")
        ("ejabberd-api-user", po::value(&ejabberd.user)->default_value(ejabberd.user), "the account the HTTP API is called as")
        ("ejabberd-api-password-file", po::value(&ejabberd_password_file)->value_name("FILE"), "file (mode 0600) holding that account's password")
        ("ejabberd-host", po::value(&ejabberd.host)->default_value(ejabberd.host), "ejabberd's virtual host the accounts live in")
        ("state-dir", po::value(&config.state_dir)->default_value("data/server")->value_name("DIR"), "papo-server's own folder (made 0700): a copy of the registry, saved before each answer, that restores what a crash of the broker and papo-server together lost; and the message store (messages.sqlite), which keeps every message until its reader confirms it and publishes again what a restarted broker lost")
        ("history", po::value(&config.history_posts)->default_value(config.history_posts)->value_name("N"), "posts kept per topic for topics.history (the last N, also once every member confirmed them)")
        ("max-answer-bytes", po::value(&config.max_answer_bytes)->default_value(config.max_answer_bytes)->value_name("BYTES"), "no answer larger than this: a request whose answer would be (queues.ls, users.ls with tens of thousands of users) is refused with too-many; keep it below the broker's max_packet_size (4 MiB in mosquitto.conf), which would otherwise drop papo-server's connection")
        ("snapshot-interval-ms", po::value(&snapshot_ms)->default_value(100), "how often changed queue counts are saved to the registry")
        ("max-waiting-messages", po::value(&config.limits.max_messages)->default_value(config.limits.max_messages)->value_name("N"), "a queue with N messages waiting is full: the broker refuses DMs to it (PUBACK 0x87) until its reader takes some; 0: no limit")
        ("max-waiting-bytes", po::value(&config.limits.max_bytes)->default_value(config.limits.max_bytes)->value_name("BYTES"), "a queue whose waiting messages' payloads add up to BYTES is full (default 64 MiB); 0: no limit")
        ("config,c", po::value(&config_file), "read options from this file (key = value lines)");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, options), values);
        if (values.count("config")) {
            std::ifstream file(values["config"].as<std::string>());
            if (!file) throw papo::error("cannot read config file " + values["config"].as<std::string>());
            po::store(po::parse_config_file(file, options), values);
        }
        po::notify(values);
    } catch (const std::exception& e) {
        std::cerr << "papo-server: " << e.what() << "\n" << options;
        return 2;
    }
    if (values.count("help")) {
        std::cout << "Usage: papo-server [options]\n\n" << options;
        return 0;
    }
    if (const char* env = std::getenv("PAPO_BROKER"); env && values["broker"].defaulted()) config.broker.broker = env;
    try {
        if (!init_security.empty()) {
            papo::broker_security::bootstrap(init_security, secrets_dir);
            std::cout << "papo-server: wrote " << init_security << ", " << secrets_dir << "/papo-server.password and "
                      << secrets_dir << "/papo-admin.password\n";
            return 0;
        }
        if (!ejabberd_urls.empty()) {
            ejabberd.url = ejabberd_urls.front();
            config.ejabberd_other_urls.assign(ejabberd_urls.begin() + 1, ejabberd_urls.end());
            if (ejabberd_password_file.empty()) throw papo::error("--ejabberd-api needs --ejabberd-api-password-file");
            ejabberd.password = papo::read_password_file(ejabberd_password_file);
            config.ejabberd = ejabberd;
        }
        if (!config.no_accounts || !password_file.empty() || std::getenv("PAPO_SERVER_PASSWORD"))
            config.broker.password = papo::resolve_password(
            {password_file, "PAPO_SERVER_PASSWORD", "PAPO_SERVER_PASSWORD_FILE", "papo-server's broker password: ", ""});
    } catch (const papo::error& e) {
        std::cerr << "papo-server: " << e.what() << "\n";
        return 2;
    }
    config.snapshot_interval = std::chrono::milliseconds(snapshot_ms);
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    // papo-server never stops because of the broker: a broker that is not up yet (the two
    // started in any order), restarting, or dropping us at a bad moment (while the registry
    // loads) is waited for with backoff by the connection supervisor, and serving starts
    // again from the saved registry. Only what retrying cannot mend stops it: a refused
    // login, a TLS or protocol mismatch, a state folder it cannot use.
    papo::supervisor_options retry;
    retry.first_backoff = std::chrono::milliseconds(500);
    retry.stop = [] { return stop_requested.load(); };
    retry.on_state = [](const papo::connection_state& state) {
        if (state.what == papo::connection_state::kind::reconnecting)
            papo::log_warn("papo-server: " + state.reason + "; trying again in " + std::to_string(state.retry_in.count()) +
                           " ms");
    };
    papo::session_options probe_options = config.broker;
    probe_options.client_id = "papo-server~probe";
    papo::supervisor broker_back(
        [&probe_options] {  // the broker takes papo-server's login again
            papo::session probe(probe_options);
            probe.connect();
            probe.disconnect();
        },
        [] { return false; }, retry);
    while (!stop_requested) {
        try {
            papo::server_runner(config).run(stop_requested);
            return 0;
        } catch (const papo::error& e) {
            using k = papo::error_kind;
            if (e.kind() == k::login_refused || e.kind() == k::handshake_failed || e.kind() == k::storage) {
                papo::log_error("papo-server: " + std::string(e.what()));
                return 1;
            }
            papo::log_warn("papo-server: " + std::string(e.what()));
            const auto outcome = broker_back.recover();
            if (outcome == papo::recovery::login_refused) {
                papo::log_error("papo-server: " + broker_back.refusal());
                return 1;
            }
        }
    }
    return 0;
}
