// papo-bench: runs every scenario for papo and for a raw Paho baseline, interleaved
// A B A B after a warm-up, on two brokers one after the other, each with its own
// papo-server:
//   open  the project's mosquitto.conf without access control (no accounts, no
//         papo_guard, no limits): the cost of papo's client and server alone;
//   real  the project's mosquitto.conf as it is (dynsec accounts, papo_guard and its
//         limits), every connection logged in as a real account, papo's and raw's
//         alike; the rate and queue limits lifted by the same values for both sides
//         (a load test cannot run at 200 messages/s), which the table says.
// A third broker, the real configuration with no limit lifted, runs what fits within
// the limits, to show their effect. Prints the tables side by side (also written as
// JSON). A run that loses a message fails the benchmark.
// Apart (--config cluster; not in `all`: it needs root and ejabberd): the core scenarios
// on a 2-node ejabberd cluster (scripts/ejabberd-cluster.sh, with bench/# allowed for the
// raw side), papo-server on node 1, senders on node 1 and receivers on node 2.
// Apart as well, neither in `all` nor in CI (bench/scale.h): --config scale, papo-server
// with 100,000 users on the open broker; --config growth, papo against raw as the
// members, the waiting messages and the users grow, on the real configuration.
#include "accounts.h"
#include "broker.h"
#include "ceiling.h"
#include "files.h"
#include "process.h"
#include "scale.h"
#include "scenarios.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"  // admin_name

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

namespace po = boost::program_options;
using namespace papo::bench;

namespace {

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

struct row {
    std::string scenario, metric;
    double papo = 0, raw = 0;
    double ratio() const { return raw != 0 ? papo / raw : 0; }
};

// Runs `run` for papo and raw alternately, `pairs` times each, and keeps per-metric medians.
// Without the warm-up where one run is itself long (1,000 members, 100,000 waiting).
std::vector<row> compare(const std::string& scenario, int pairs, const std::function<measurements(bool)>& run,
                         const std::vector<std::string>& metrics, bool warm_up = true) {
    if (warm_up) run(true), run(false);
    std::map<std::string, std::vector<double>> papo_values, raw_values;
    for (int i = 0; i < pairs; ++i)
        for (bool papo_side : {true, false})
            for (auto& [metric, value] : run(papo_side)) (papo_side ? papo_values : raw_values)[metric].push_back(value);
    std::vector<row> rows;
    for (const auto& metric : metrics) rows.push_back({scenario, metric, median(papo_values[metric]), median(raw_values[metric])});
    std::cerr << "done: " << scenario << "\n";
    return rows;
}

// A broker configuration and what the benchmark changes in it, for both sides alike.
struct configuration {
    std::string key, title;
    bool accounts = false;
    std::vector<std::string> guard_options;   // papo_guard plugin_opt_ lines over the project's
    std::vector<std::string> server_options;  // papo-server options over its defaults
};

const configuration open_broker{"open", "open broker (no accounts, no guard)", false, {}, {}};
// The load scenarios send 100,000 DMs as fast as they go, and leave 20,000 waiting:
// far past 200 publishes/s per account and 10,000 waiting per queue.
const configuration real_config{"real", "real configuration (accounts + papo_guard; rate and queue limits lifted)", true,
                                {"publish_rate 0", "request_rate 0"},
                                {"--max-waiting-messages", "0", "--max-waiting-bytes", "0"}};
const configuration as_configured{"real_as_configured", "real configuration, every limit as configured", true, {}, {}};
// ejabberd has no papo_guard (no rate limits); papo-server's queue limits lifted as on `real`.
const configuration cluster_config{"cluster",
                                   "2-node ejabberd 23.01 cluster: senders on node 1, receivers on node 2 (accounts; "
                                   "papo-server's queue limits lifted)",
                                   true,
                                   {},
                                   {"--max-waiting-messages", "0", "--max-waiting-bytes", "0"}};

std::string trimmed_file(const std::string& path) {
    std::string text = papo::test::read_file(path);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// One broker and its papo-server, stopped in that order's reverse.
struct stack {
    std::unique_ptr<papo::test::broker> broker;
    std::unique_ptr<papo::test::process> server;
    std::vector<std::string> server_argv;
    target t;

    explicit stack(const configuration& c, std::vector<std::string> broker_config = {}) {
        using access = papo::test::broker::access;
        broker = std::make_unique<papo::test::broker>(std::move(broker_config), c.accounts ? access::project : access::open,
                                                      c.guard_options);
        std::vector<std::string> argv{papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker",
                                      broker->uri(), "--state-dir", broker->data_dir() + "/papo-server"};
        if (c.accounts)
            argv.insert(argv.end(), {"--password-file", broker->password_file("papo-server")});
        else
            argv.push_back("--no-accounts");
        argv.insert(argv.end(), c.server_options.begin(), c.server_options.end());
        server_argv = argv;
        server = std::make_unique<papo::test::process>(argv);
        if (!server->wait_for_output("papo-server serving", std::chrono::seconds(30)))
            throw papo::error("papo-server did not come up:\n" + server->output());
        t.broker = broker->uri();
        t.server_pid = server->pid();
        t.broker_pid = broker->pid();
        t.papo_bin = papo::test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT);
        t.accounts = c.accounts;
        if (c.accounts) {
            t.admin_password = trimmed_file(broker->password_file("papo-admin"));
            t.server_password = trimmed_file(broker->password_file("papo-server"));
        }
        grant_raw_topics(t);
    }
    ~stack() {
        close_connections(t);
        server.reset();
        broker.reset();
    }
    // papo-server stopped and started again as it was (bench/scale.h).
    server_handle restartable() {
        return {[this] { return server->stop(); },
                [this] {
                    server = std::make_unique<papo::test::process>(server_argv);
                    return t.server_pid = server->pid();
                },
                [this](std::chrono::milliseconds timeout) { return server->wait_for_output("papo-server serving", timeout); },
                broker->data_dir() + "/papo-server"};
    }
};

// The 2-node ejabberd cluster of scripts/ejabberd-cluster.sh, started for the benchmark
// (PAPO_CLUSTER_BENCH=1: bench/# allowed for the users), and papo-server on node 1 as
// tests/cluster starts it; everything stopped and removed in the destructor.
struct cluster_stack {
    std::string dir, script;
    std::map<std::string, std::string> env;  // cluster.env
    std::unique_ptr<papo::test::process> server;
    target t;

    papo::test::command_result run_script(const std::string& command, std::vector<std::string> before = {}) {
        before.insert(before.end(), {"bash", script, command, dir});
        return papo::test::run_command(before, std::chrono::seconds(120));
    }
    // A node's beam.smp, from `status`'s "nodeN ... pid=PID ..." line.
    static int node_pid(const std::string& status, int node) {
        std::istringstream lines(status);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("node" + std::to_string(node) + " ", 0) == 0)
                if (const auto at = line.find(" pid="); at != std::string::npos) return std::atoi(line.c_str() + at + 5);
        return 0;
    }

    // receiver_node 2: receivers on the other node than senders (the default); 1: the same node.
    cluster_stack(const configuration& c, int receiver_node) {
        dir = papo::test::make_temp_dir("papo-bench-cluster");
        script = papo::test::env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT) + "/scripts/ejabberd-cluster.sh";
        try {
            std::cerr << "starting the 2-node ejabberd cluster in " << dir << "\n";
            const auto started = run_script("start", {"env", "PAPO_CLUSTER_BENCH=1"});
            if (started.exit_code != 0) throw papo::error("cannot start the ejabberd cluster:\n" + started.err);
            std::istringstream lines(started.out);
            for (std::string line; std::getline(lines, line);)
                if (const auto eq = line.find('='); eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
            const auto status = run_script("status");
            t.broker_pid = node_pid(status.out, 1);
            t.second_broker_pid = node_pid(status.out, 2);
            if (!t.broker_pid || !t.second_broker_pid) throw papo::error("cannot find the nodes' pids:\n" + status.out);
            t.broker = "tcp://127.0.0.1:" + env.at("MQTT1_PORT");
            t.receiver_broker = "tcp://127.0.0.1:" + env.at(receiver_node == 1 ? "MQTT1_PORT" : "MQTT2_PORT");
            t.on_ejabberd = true;
            t.ejabberd = {env.at("API1_URL"), env.at("API_USER"), trimmed_file(env.at("API_PASSWORD_FILE")), env.at("XMPP_HOST")};
            // As README "Scaling out" runs it: watching from both nodes.
            std::vector<std::string> argv{papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", t.broker,
                                          "--other-broker", "tcp://127.0.0.1:" + env.at("MQTT2_PORT"),
                                          "--password-file", env.at("PAPO_SERVER_PASSWORD_FILE"), "--state-dir",
                                          dir + "/papo-server", "--ejabberd-api", env.at("API1_URL"), "--ejabberd-api",
                                          env.at("API2_URL"), "--ejabberd-api-password-file", env.at("API_PASSWORD_FILE")};
            argv.insert(argv.end(), c.server_options.begin(), c.server_options.end());
            server = std::make_unique<papo::test::process>(argv);
            if (!server->wait_for_output("papo-server serving", std::chrono::seconds(60)))
                throw papo::error("papo-server did not come up on the cluster:\n" + server->output());
            t.server_pid = server->pid();
            t.papo_bin = papo::test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT);
            t.accounts = true;
            t.admin_password = trimmed_file(env.at("PAPO_ADMIN_PASSWORD_FILE"));
            t.server_password = trimmed_file(env.at("PAPO_SERVER_PASSWORD_FILE"));
        } catch (...) {
            stop();
            throw;
        }
    }
    void stop() {
        if (dir.empty()) return;
        close_connections(t);
        if (server) server->stop();
        server.reset();
        run_script("stop");
        papo::test::remove_tree(dir);
        dir.clear();
    }
    ~cluster_stack() { stop(); }
};

bool cluster_can_run(std::string& why) {
    if (::geteuid() != 0) why = "it needs root (the nodes run as user ejabberd)";
    else if (papo::test::find_program("ejabberdctl").empty()) why = "ejabberd is not installed (scripts/test-cluster.sh installs it)";
    else if (papo::test::find_program("curl").empty()) why = "curl is not installed";
    return why.empty();
}

struct sizes {
    int dms, drain, latency_s, users, members, posts, scale, burst, command_runs;
    int ceiling = 40000;  // DMs of the papo-server ceiling scenario
};

struct table {
    std::vector<row> rows;
    measurements costs;  // papo alone
};

std::string load_average() {
    std::string text = trimmed_file("/proc/loadavg");
    return text.substr(0, text.find(' ', text.find(' ', text.find(' ') + 1) + 1));
}

// Every scenario, on one configuration. On the ejabberd cluster only the core ones: the
// one-shot commands, memory and scale read Mosquitto (its pid, dynsec) or need its tools.
table run_all(const target& t, const sizes& n, int pairs, const std::string& only) {
    table out;
    auto add = [&](const std::string& scenario, int pairs_here, const std::function<measurements(bool)>& run,
                   const std::vector<std::string>& metrics) {
        if (!only.empty() && scenario.find(only) == std::string::npos) return;
        for (auto& r : compare(scenario, pairs_here, run, metrics)) out.rows.push_back(std::move(r));
    };
    add("DM 1->1 QoS 1, 100 B, " + std::to_string(n.dms) + " msgs", pairs,
        [&](bool p) { return dm_throughput(t, p, n.dms); },
        {"messages_per_s", "broker_cpu_us_per_msg", "server_cpu_us_per_msg", "clients_cpu_us_per_msg"});
    add("topic fan-out 1->" + std::to_string(n.members) + ", " + std::to_string(n.posts) + " posts", pairs,
        [&](bool p) { return topic_fanout(t, p, n.members, n.posts); }, {"deliveries_per_s"});
    add("offline drain, " + std::to_string(n.drain) + " waiting", pairs, [&](bool p) { return offline_drain(t, p, n.drain); },
        {"first_login_to_all_ms", "login_to_first_ms"});
    add("DM latency at 100/s for " + std::to_string(n.latency_s) + " s", pairs,
        [&](bool p) { return dm_latency(t, p, 100, n.latency_s); }, {"p50_ms", "p99_ms", "max_ms"});
    if (!t.on_ejabberd)
        add("papo-server ceiling: " + std::to_string(n.ceiling) + " DMs, 4 devices -> 20 offline queues", pairs,
            [&](bool p) { return server_ceiling(t, p, n.ceiling, 4, 20); },
            {"broker_accepted_per_s", "server_counted_per_s", "server_cpu_us_per_msg", "broker_cpu_us_per_msg"});
    add("create " + std::to_string(n.users) + " users with queues", 1,
        [&](bool p) { return create_users(t, p, n.users); },
        t.on_ejabberd ? std::vector<std::string>{"seconds", "login_retries"} : std::vector<std::string>{"seconds"});
    if (t.on_ejabberd) {
        out.costs = server_costs(t);
        return out;
    }
    add("one-shot commands as processes, median of " + std::to_string(n.command_runs), 1,
        [&](bool p) { return one_shot_commands(t, p, n.command_runs); }, {"send_ms", "read_empty_ms", "join_ms", "leave_ms"});
    // Memory and scale: papo alone (the raw side has no server and no registry).
    out.costs = client_memory(t);
    if (only.empty() || std::string("scale").find(only) != std::string::npos)
        for (const auto& [k, v] : scale_to(t, n.scale)) out.costs[k] = v;
    for (const auto& [k, v] : server_costs(t)) out.costs[k] = v;
    return out;
}

// What fits within the configured limits (publish_burst 2000, publish_rate 200/s),
// on a broker with the limits as configured; the caller runs the same on the lifted one.
std::vector<row> run_within_limits(const target& t, const sizes& n, int pairs) {
    std::vector<row> rows;
    for (auto& r : compare("DM 1->1, " + std::to_string(n.burst) + " msgs (within publish_burst)", pairs,
                           [&](bool p) { return dm_throughput(t, p, n.burst); }, {"messages_per_s"}))
        rows.push_back(r);
    for (auto& r : compare("DM latency at 100/s for " + std::to_string(n.latency_s) + " s (within publish_rate)", pairs,
                           [&](bool p) { return dm_latency(t, p, 100, n.latency_s); }, {"p50_ms", "p99_ms"}))
        rows.push_back(r);
    return rows;
}

const row* find(const std::vector<row>& rows, const row& like) {
    for (const auto& r : rows)
        if (r.scenario == like.scenario && r.metric == like.metric) return &r;
    return nullptr;
}

nlohmann::json rows_json(const std::vector<row>& rows) {
    auto out = nlohmann::json::array();
    for (const auto& r : rows)
        out.push_back({{"scenario", r.scenario}, {"metric", r.metric}, {"papo", r.papo}, {"raw", r.raw}, {"ratio", r.ratio()}});
    return out;
}

// What every results file says about its run, before its configurations.
nlohmann::json run_json(const std::string& commit, int pairs, bool quick, const std::string& load_before,
                        const std::string& load_after) {
    return {{"date", papo::now_text()},
            {"commit", commit},
            {"pairs", pairs},
            {"quick", quick},
            {"cores", std::thread::hardware_concurrency()},
            {"load_average_before", load_before},
            {"load_average_after", load_after}};
}

nlohmann::json configuration_json(const configuration& c) {
    return {{"title", c.title}, {"accounts", c.accounts}, {"guard_options_over_project", c.guard_options},
            {"server_options", c.server_options}};
}

// Two tables side by side: a row of `left` and the same scenario and metric of `right`.
void print_side_by_side(const std::string& left_title, const std::vector<row>& left, const std::string& right_title,
                        const std::vector<row>& right) {
    if (right_title.empty()) {  // one table
        std::printf("\n%-50s %-22s | %-31s\n", "", "", left_title.c_str());
        std::printf("%-50s %-22s | %9s %9s %11s\n", "scenario", "metric", "papo", "raw", "papo/raw");
        for (const auto& l : left)
            std::printf("%-50s %-22s | %9.2f %9.2f %11.2f\n", l.scenario.c_str(), l.metric.c_str(), l.papo, l.raw, l.ratio());
        return;
    }
    std::printf("\n%-50s %-21s | %-31s | %-31s | %s\n", "", "", left_title.c_str(), right_title.c_str(), "right/left");
    std::printf("%-50s %-21s | %9s %9s %11s | %9s %9s %11s | %6s %6s\n", "scenario", "metric", "papo", "raw", "papo/raw",
                "papo", "raw", "papo/raw", "papo", "raw");
    for (const auto& l : left) {
        const row* r = find(right, l);
        std::printf("%-50s %-21s | %9.2f %9.2f %11.2f |", l.scenario.c_str(), l.metric.c_str(), l.papo, l.raw, l.ratio());
        if (r)
            std::printf(" %9.2f %9.2f %11.2f | %6.2f %6.2f\n", r->papo, r->raw, r->ratio(), l.papo ? r->papo / l.papo : 0,
                        l.raw ? r->raw / l.raw : 0);
        else
            std::printf(" %9s %9s %11s |\n", "-", "-", "-");
    }
}

// --config cluster: the core scenarios on the ejabberd cluster, printed and written apart.
int run_cluster(int pairs, bool quick, int receiver_node, const std::string& only, const std::string& json_file,
                const std::string& commit) {
    // Smaller than on Mosquitto: ejabberd keeps one QoS 1 message in flight per client
    // (docs/performance.md); each run stays well inside its 60 s bound.
    const sizes n = quick ? sizes{100, 100, 1, 5, 3, 20, 0, 0, 0} : sizes{5000, 5000, 10, 100, 10, 500, 0, 0, 0};
    const std::string load_before = load_average();
    table cluster_table;
    {
        cluster_stack s(cluster_config, receiver_node);
        cluster_table = run_all(s.t, n, pairs, only);
    }
    const std::string load_after = load_average();
    const std::string placement = receiver_node == 1 ? "node 1 -> node 1" : "node 1 -> node 2";
    print_side_by_side("ejabberd cluster, " + placement, cluster_table.rows, "", {});
    std::printf("\n%s%s\n(papo-server and the manager on node 1; the raw side logs in with the same accounts and "
                "publishes on bench/..., allowed for it by PAPO_CLUSTER_BENCH=1)\n",
                cluster_config.title.c_str(),
                receiver_node == 1 ? "\n--receiver-node 1: here the receivers are on node 1 as well" : "");
    std::printf("\n%-42s %-26s %12s\n", "papo alone", "metric", "cluster");
    for (const auto& [k, v] : cluster_table.costs) std::printf("%-42s %-26s %12.2f\n", "", k.c_str(), v);
    std::printf("load average before / after: %s / %s (%u cores)\n", load_before.c_str(), load_after.c_str(),
                std::thread::hardware_concurrency());
    if (!json_file.empty()) {
        auto j = configuration_json(cluster_config);
        j["rows"] = rows_json(cluster_table.rows);
        j["server"] = cluster_table.costs;
        j["receiver_node"] = receiver_node;
        auto out = run_json(commit, pairs, quick, load_before, load_after);
        out["configurations"] = {{cluster_config.key, j}};
        std::ofstream(json_file) << out.dump(2) << "\n";
    }
    return 0;
}

// --config scale: papo-server with many users, on the open broker (bench/scale.h).
int run_scale(const scale_sizes& n, int pairs, bool quick, const std::string& json_file, const std::string& commit) {
    const std::string why_open =
        "on the open broker: with accounts on, Mosquitto's dynamic-security plugin rewrites its whole JSON file at every "
        "account change (85 ms per user at 5,000 users), so 100,000 accounts cannot be made in bounded time";
    std::printf("scale step: %d users, %s\n", n.users, why_open.c_str());
    std::fflush(stdout);
    const std::string load_before = load_average();
    scale_result result;
    {
        std::vector<std::string> broker_config;
        if (n.packet_limit_bytes != 4194304)
            broker_config.push_back("max_packet_size " + std::to_string(static_cast<long>(n.packet_limit_bytes)));
        stack s(open_broker, broker_config);
        result = scale_step(s.t, s.restartable(), n);
    }
    const std::string load_after = load_average();
    const auto& v = result.values;
    auto value = [&](const std::string& k) { return v.count(k) ? v.at(k) : -1.0; };
    const bool reached = value("users_made") == n.users;
    std::printf("\n%-40s %14s\n", "scale step (open broker)", "value");
    for (const auto& [k, x] : v) std::printf("%-40s %14.2f\n", k.c_str(), x);
    std::printf("users.add ms per user, each tenth of the users made:");
    for (double ms : result.ms_per_user_by_tenth) std::printf(" %.2f", ms);
    std::printf("\n");
    struct goal {
        const char* name;
        std::string key;
        double maximum;
    };
    const goal goals[] = {{"queues ls at N users, ms", "at_n_queues_ls_ms", 200},
                          {"papo-server RSS per user, KB", "server_kb_per_user", 5},
                          {"papo-server restart to first answer, ms", "restart_to_first_answer_ms", 5000}};
    nlohmann::json targets = nlohmann::json::array();
    std::printf("\ntargets (at %d users):\n", n.users);
    for (const auto& g : goals) {
        const double x = value(g.key);
        const bool met = reached && x >= 0 && x < g.maximum;
        std::printf("  %-42s under %-6g %10.2f  %s\n", g.name, g.maximum, x,
                    x < 0 ? "NOT MEASURED" : !reached ? "not at N (fewer users made)" : met ? "met" : "MISSED");
        targets.push_back({{"name", g.name}, {"maximum", g.maximum}, {"value", x}, {"at_users", value("users_made")}, {"met", met}});
    }
    for (const auto& note : result.notes) std::printf("note: %s\n", note.c_str());
    std::printf("load average before / after: %s / %s (%u cores)\n", load_before.c_str(), load_after.c_str(),
                std::thread::hardware_concurrency());
    if (!json_file.empty()) {
        auto j = configuration_json(open_broker);
        j["why"] = why_open;
        j["scale"] = v;
        j["users_add_ms_per_user_by_tenth"] = result.ms_per_user_by_tenth;
        j["notes"] = result.notes;
        auto out = run_json(commit, pairs, quick, load_before, load_after);
        out["targets"] = targets;
        out["configurations"] = {{open_broker.key, j}};
        std::ofstream(json_file) << out.dump(2) << "\n";
    }
    return 0;
}

// --config growth: papo against raw on the real configuration as the members of a topic,
// the waiting messages and the users grow; each run bounded (fewer posts for more
// members), the whole table by 30 minutes.
int run_growth(int pairs, bool quick, const std::string& only, const std::string& json_file, const std::string& commit) {
    struct fanout_size {
        int members, posts;
    };
    const std::vector<fanout_size> fanouts = quick ? std::vector<fanout_size>{{3, 50}, {5, 20}, {10, 10}}
                                                   : std::vector<fanout_size>{{10, 5000}, {100, 500}, {1000, 50}};
    const std::vector<int> drains = quick ? std::vector<int>{50, 100, 200} : std::vector<int>{1000, 10000, 100000};
    const int latency_users = quick ? 20 : 1000, latency_requests = quick ? 20 : 200;
    const auto bound = std::chrono::minutes(30);
    const std::string load_before = load_average();
    std::vector<row> rows;
    measurements costs;
    std::vector<std::string> notes;
    nlohmann::json row_seconds = nlohmann::json::object();
    {
        stack s(real_config);
        const auto start = std::chrono::steady_clock::now();
        auto within_bound = [&](const std::string& next) {
            if (std::chrono::steady_clock::now() - start < bound) return true;
            notes.push_back("stopped before '" + next + "': the table's 30-minute bound");
            return false;
        };
        auto add = [&](const std::string& scenario, bool warm_up, const std::function<measurements(bool)>& run,
                       const std::vector<std::string>& metrics) {
            if ((!only.empty() && scenario.find(only) == std::string::npos) || !within_bound(scenario)) return std::vector<row>{};
            const auto began = std::chrono::steady_clock::now();
            auto got = compare(scenario, pairs, run, metrics, warm_up);
            row_seconds[scenario] = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            rows.insert(rows.end(), got.begin(), got.end());
            return got;
        };
        for (const auto& f : fanouts)
            add("topic fan-out 1->" + std::to_string(f.members) + ", " + std::to_string(f.posts) + " posts", f.members < 1000,
                [&](bool p) { return topic_fanout(s.t, p, f.members, f.posts); }, {"deliveries_per_s"});
        for (int waiting : drains) {
            const std::string scenario = "offline drain, " + std::to_string(waiting) + " waiting";
            const auto got = add(scenario, waiting < 100000, [&](bool p) { return offline_drain(s.t, p, waiting); },
                                 {"first_login_to_all_ms", "login_to_first_ms"});
            if (!got.empty())  // per message: login to the last one
                rows.push_back({scenario, "us_per_message", got[0].papo * 1000 / waiting, got[0].raw * 1000 / waiting});
        }
        // papo-server's request latency with latency_users users (papo alone: raw has no server).
        if ((only.empty() || std::string("request latency").find(only) != std::string::npos) && within_bound("request latency")) {
            papo::rpc_client admin(login_as(s.t, papo::admin_name, "", false), papo::admin_name);
            const auto listed = admin.call("queues.ls", {}, std::chrono::seconds(30));
            const int present = static_cast<int>(listed.size());
            std::vector<double> done_at;
            std::string failure;
            const int made = make_users(s.t, "growth-", 0, std::max(0, latency_users - present), 4,
                                        start + bound + std::chrono::minutes(5), done_at, failure);
            if (!failure.empty()) notes.push_back("making users for the request latency: " + failure);
            const std::string asked_about = listed.empty() ? "growth-0" : listed.front().value("name", "growth-0");
            costs = request_costs(s.t, asked_about, latency_requests, "", failure, true);
            costs["users"] = present + made;
            if (!failure.empty()) notes.push_back("queues.ls: " + failure);
        }
    }
    const std::string load_after = load_average();
    print_side_by_side("real configuration", rows, "", {});
    if (!costs.empty()) {
        std::printf("\n%-42s %-26s %12s\n", "papo-server alone", "metric", "real");
        for (const auto& [k, v] : costs) std::printf("%-42s %-26s %12.2f\n", "", k.c_str(), v);
        std::printf("(the same at 100,000 users, on the open broker: papo-bench --config scale)\n");
    }
    for (const auto& note : notes) std::printf("note: %s\n", note.c_str());
    std::printf("load average before / after: %s / %s (%u cores)\n", load_before.c_str(), load_after.c_str(),
                std::thread::hardware_concurrency());
    if (!json_file.empty()) {
        auto j = configuration_json(real_config);
        j["rows"] = rows_json(rows);
        j["server"] = costs;
        j["row_seconds"] = row_seconds;
        j["notes"] = notes;
        auto out = run_json(commit, pairs, quick, load_before, load_after);
        out["configurations"] = {{real_config.key, j}};
        std::ofstream(json_file) << out.dump(2) << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int pairs = 3, receiver_node = 2;
    scale_sizes scale;
    int scale_minutes = 40;
    long scale_max_packet = 4194304;
    bool quick = false;
    std::string json_file, only, commit, which = "all";
    po::options_description options("papo-bench options");
    options.add_options()("help,h", "show this help")("pairs", po::value(&pairs)->default_value(3), "A/B pairs per scenario (after one warm-up pair)")(
        "quick", po::bool_switch(&quick), "tiny counts: a smoke run that only proves the benchmark works")(
        "json", po::value(&json_file), "also write the results to this JSON file")(
        "only", po::value(&only), "run only the scenarios whose name contains this text (e.g. users, fan-out)")(
        "config", po::value(&which)->default_value("all"), "open, real or all: which broker configurations to run; or cluster (a 2-node ejabberd cluster, apart: needs root "
        "and ejabberd, exits 77 without them); or, apart as well: scale (papo-server with --scale-users users on the open "
        "broker, at most --scale-minutes) or growth (fan-out to 10/100/1,000 members, drains of 1,000/10,000/100,000, "
        "request latency at 1,000 users, on the real configuration; --pairs 1 unless given)")(
        "scale-users", po::value(&scale.users)->default_value(100000), "--config scale: how many users to make")(
        "scale-clients", po::value(&scale.admin_clients)->default_value(4),
        "--config scale: users.add requests in flight at once (one manager connection each)")(
        "scale-minutes", po::value(&scale_minutes)->default_value(40),
        "--config scale: the step's bound; where it is hit, the step stops making users and says how far it got")(
        "scale-max-packet", po::value(&scale_max_packet)->default_value(4194304),
        "--config scale: the broker's max_packet_size (mosquitto.conf's 4 MiB by default); smaller shows at a few "
        "thousand users what papo-server's one-packet answers meet at 100,000")(
        "scale-messages", po::value(&scale.waiting_messages)->default_value(20000),
        "--config scale: DMs left waiting for offline users, for the store's bytes per waiting message")(
        "receiver-node", po::value(&receiver_node)->default_value(2),
        "--config cluster: the node the receivers log in on (senders, papo-server and the manager are on node 1)")(
        "commit", po::value(&commit), "the commit measured, written into the JSON (bench/run.sh passes it)");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, options), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "papo-bench: " << e.what() << "\n";
        return 2;
    }
    if (values.count("help")) {
        std::cout << options;
        return 0;
    }
    if (which != "all" && which != "open" && which != "real" && which != "cluster" && which != "scale" && which != "growth") {
        std::cerr << "papo-bench: --config is open, real, all, cluster, scale or growth\n";
        return 2;
    }
    if (scale.users < 1 || scale.admin_clients < 1 || scale.waiting_messages < 0) {
        std::cerr << "papo-bench: --scale-users and --scale-clients are at least 1, --scale-messages at least 0\n";
        return 2;
    }
    if (which == "scale" || which == "growth") {
        try {
            if (which == "growth") return run_growth(values["pairs"].defaulted() ? 1 : pairs, quick, only, json_file, commit);
            if (quick && values["scale-users"].defaulted()) scale.users = 300;
            if (quick && values["scale-messages"].defaulted()) scale.waiting_messages = 2000;
            scale.first_checkpoint = std::min(1000, scale.users);
            scale.bound = std::chrono::minutes(std::max(1, scale_minutes));
            scale.packet_limit_bytes = static_cast<double>(std::max(10000L, scale_max_packet));
            if (quick) scale.latency_requests = 50;
            return run_scale(scale, 0, quick, json_file, commit);
        } catch (const std::exception& e) {
            std::cerr << "papo-bench: FAILED: " << e.what() << "\n";
            return 1;
        }
    }
    if (receiver_node != 1 && receiver_node != 2) {
        std::cerr << "papo-bench: --receiver-node is 1 or 2\n";
        return 2;
    }
    if (std::string why; which == "cluster" && !cluster_can_run(why)) {
        std::cout << "papo-bench: skipped the cluster configuration: " << why << "\n";
        return 77;
    }
    if (which == "cluster") {
        try {
            return run_cluster(pairs, quick, receiver_node, only, json_file, commit);
        } catch (const std::exception& e) {
            std::cerr << "papo-bench: FAILED: " << e.what() << "\n";
            return 1;
        }
    }
    sizes n = quick ? sizes{200, 200, 1, 20, 5, 50, 50, 200, 3} : sizes{100000, 20000, 10, 1000, 50, 10000, 10000, 1500, 20};
    if (quick) n.ceiling = 400;
    try {
        const std::string load_before = load_average();
        table open_table, real_table;
        std::vector<row> lifted_rows, limited_rows;
        if (which != "real") {
            stack s(open_broker);
            open_table = run_all(s.t, n, pairs, only);
        }
        if (which != "open") {
            {
                stack s(real_config);
                real_table = run_all(s.t, n, pairs, only);
                if (only.empty()) lifted_rows = run_within_limits(s.t, n, pairs);
            }
            if (only.empty()) {
                stack s(as_configured);
                limited_rows = run_within_limits(s.t, n, pairs);
            }
        }
        const std::string load_after = load_average();

        const auto& first = which == "real" ? real_table.rows : open_table.rows;
        print_side_by_side(which == "real" ? "real configuration" : "open broker", first,
                           which == "all" ? "real configuration" : "", which == "all" ? real_table.rows : std::vector<row>{});
        if (which != "open") {
            std::printf("\nreal configuration: lifted for both sides alike: papo_guard %s, %s; papo-server %s %s %s %s\n",
                        real_config.guard_options[0].c_str(), real_config.guard_options[1].c_str(),
                        real_config.server_options[0].c_str(), real_config.server_options[1].c_str(),
                        real_config.server_options[2].c_str(), real_config.server_options[3].c_str());
            std::printf("(the raw side logs in with the same accounts; the papo-user role also grants it bench/#)\n");
        }
        if (!limited_rows.empty()) {
            std::printf("\nthe limits' effect: what fits within them, lifted against as configured "
                        "(publish_rate 200/s, publish_burst 2000, request_rate 20/s, 10,000 waiting)\n");
            print_side_by_side("real, limits lifted", lifted_rows, "real, limits as configured", limited_rows);
            std::printf("as configured, one account sustains at most 200 publishes/s: the load rows above cannot run "
                        "without lifting it\n");
        }
        std::printf("\n%-42s %-26s %12s %12s\n", "papo alone: memory and scale", "metric", "open", "real");
        std::set<std::string> keys;
        for (const auto& [k, v] : open_table.costs) keys.insert(k);
        for (const auto& [k, v] : real_table.costs) keys.insert(k);
        for (const auto& k : keys) {
            auto value = [&](const measurements& m) { return m.count(k) ? m.at(k) : 0.0; };
            std::printf("%-42s %-26s %12.2f %12.2f\n", "", k.c_str(), value(open_table.costs), value(real_table.costs));
        }

        // Issue 17's targets, papo against raw in this run, on the real configuration.
        struct goal {
            const char* name;
            std::string scenario_prefix, metric;
            std::function<double(const row&)> value;
            double bound;
            bool at_least;  // else at most
        };
        const std::vector<goal> goals{
            {"DM 1->1, papo/raw messages/s", "DM 1->1 QoS 1", "messages_per_s", [](const row& r) { return r.ratio(); }, 0.8, true},
            {"fan-out 1->50, papo/raw deliveries/s", "topic fan-out", "deliveries_per_s", [](const row& r) { return r.ratio(); }, 0.9, true},
            {"offline drain, papo/raw speed (raw ms / papo ms)", "offline drain", "first_login_to_all_ms",
             [](const row& r) { return r.papo > 0 ? r.raw / r.papo : 0; }, 0.9, true},
            {"DM latency p99, papo - raw, ms", "DM latency", "p99_ms", [](const row& r) { return r.papo - r.raw; }, 0.5, false},
            {"1,000 users with accounts and queues, papo/raw time", "create ", "seconds", [](const row& r) { return r.ratio(); }, 1.5, false}};
        nlohmann::json targets = nlohmann::json::array();
        if (which != "open") std::printf("\ntargets on the real configuration (medians, papo against raw in this run):\n");
        for (const auto& g : goals)
            for (const auto& r : real_table.rows)
                if (r.metric == g.metric && r.scenario.rfind(g.scenario_prefix, 0) == 0) {
                    const double x = g.value(r);
                    const bool met = g.at_least ? x >= g.bound : x <= g.bound;
                    std::printf("  %-52s %s %4.2f: %6.2f  %s\n", g.name, g.at_least ? ">=" : "<=", g.bound, x,
                                met ? "met" : "MISSED (docs/performance.md says why)");
                    targets.push_back({{"name", g.name}, {g.at_least ? "minimum" : "maximum", g.bound}, {"value", x}, {"met", met}});
                }
        std::printf("load average before / after: %s / %s (%u cores)\n", load_before.c_str(), load_after.c_str(),
                    std::thread::hardware_concurrency());

        auto out = run_json(commit, pairs, quick, load_before, load_after);
        out["targets"] = targets;
        out["configurations"] = nlohmann::json::object();
        auto put = [&](const configuration& c, const std::vector<row>& rows, const measurements* costs) {
            auto j = configuration_json(c);
            j["rows"] = rows_json(rows);
            if (costs) j["server"] = *costs;
            out["configurations"][c.key] = j;
        };
        if (which != "real") put(open_broker, open_table.rows, &open_table.costs);
        if (which != "open") {
            put(real_config, real_table.rows, &real_table.costs);
            out["configurations"]["real"]["within_limits"] = rows_json(lifted_rows);
            put(as_configured, limited_rows, nullptr);
        }
        if (!json_file.empty()) std::ofstream(json_file) << out.dump(2) << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "papo-bench: FAILED: " << e.what() << "\n";
        return 1;
    }
}
