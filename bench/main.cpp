// papo-bench: starts its own mosquitto (the project's configuration on a free port)
// and papo-server, runs every scenario for papo and for a raw Paho baseline,
// interleaved A B A B after a warm-up, and prints medians and papo/raw ratios
// (also written as JSON). A run that loses a message fails the benchmark.
#include "broker.h"
#include "files.h"
#include "process.h"
#include "scenarios.h"

#include "papo/clock.h"
#include "papo/error.h"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

namespace po = boost::program_options;
using namespace papo::bench;

namespace {

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

struct row {
    std::string scenario, metric;
    double papo = 0, raw = 0;
    bool higher_is_better = true;
};

// Runs `run` for papo and raw alternately, `pairs` times each, and keeps per-metric medians.
std::vector<row> compare(const std::string& scenario, int pairs, const std::function<measurements(bool)>& run,
                         const std::vector<std::pair<std::string, bool>>& metrics) {
    run(true), run(false);  // warm-up
    std::map<std::string, std::vector<double>> papo_values, raw_values;
    for (int i = 0; i < pairs; ++i)
        for (bool papo_side : {true, false})
            for (auto& [metric, value] : run(papo_side)) (papo_side ? papo_values : raw_values)[metric].push_back(value);
    std::vector<row> rows;
    for (const auto& [metric, higher] : metrics)
        rows.push_back({scenario, metric, median(papo_values[metric]), median(raw_values[metric]), higher});
    std::cerr << "done: " << scenario << "\n";
    return rows;
}

}  // namespace

int main(int argc, char** argv) {
    int pairs = 3;
    bool quick = false;
    std::string json_file, only;
    po::options_description options("papo-bench options");
    options.add_options()("help,h", "show this help")("pairs", po::value(&pairs)->default_value(3), "A/B pairs per scenario (after one warm-up pair)")(
        "quick", po::bool_switch(&quick), "tiny counts: a smoke run that only proves the benchmark works")(
        "json", po::value(&json_file), "also write the results to this JSON file")(
        "only", po::value(&only), "run only the scenarios whose name contains this text (e.g. users, fan-out)");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    po::notify(values);
    if (values.count("help")) {
        std::cout << options;
        return 0;
    }
    const int dms = quick ? 200 : 100000, drain = quick ? 200 : 20000, rate = 100, latency_s = quick ? 1 : 10;
    const int users = quick ? 20 : 1000;
    const int members = quick ? 5 : 50, posts = quick ? 50 : 10000;
    try {
        papo::test::broker broker({}, papo::test::broker::access::open);
        // An open broker (no accounts) for both sides: the baseline has no accounts either.
        papo::test::process server({papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", broker.uri(),
                                    "--no-accounts", "--state-dir", broker.data_dir() + "/papo-server"});
        for (int i = 0; i < 200 && server.output().find("serving") == std::string::npos; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        const target t{broker.uri(), server.pid(), broker.pid(), papo::test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT)};

        std::vector<row> rows;
        auto add = [&](std::vector<row> more) { rows.insert(rows.end(), more.begin(), more.end()); };
        auto compare = [&](const std::string& scenario, int n, const std::function<measurements(bool)>& run,
                           const std::vector<std::pair<std::string, bool>>& metrics) {
            if (!only.empty() && scenario.find(only) == std::string::npos) return std::vector<row>{};
            return ::compare(scenario, n, run, metrics);
        };
        add(compare("DM 1->1 QoS 1, 100 B, " + std::to_string(dms) + " msgs", pairs,
                    [&](bool p) { return dm_throughput(t, p, dms); }, {{"messages_per_s", true}}));
        add(compare("topic fan-out 1->" + std::to_string(members) + ", " + std::to_string(posts) + " posts", pairs,
                    [&](bool p) { return topic_fanout(t, p, members, posts); }, {{"deliveries_per_s", true}}));
        add(compare("offline drain, " + std::to_string(drain) + " waiting", pairs,
                    [&](bool p) { return offline_drain(t, p, drain); },
                    {{"first_login_to_all_ms", false}, {"login_to_first_ms", false}}));
        add(compare("DM latency at 100/s for " + std::to_string(latency_s) + " s", pairs,
                    [&](bool p) { return dm_latency(t, p, rate, latency_s); },
                    {{"p50_ms", false}, {"p99_ms", false}, {"max_ms", false}}));
        add(compare("create " + std::to_string(users) + " users with queues", 1,
                    [&](bool p) { return create_users(t, p, users); }, {{"seconds", false}}));
        // Memory and scale: papo alone (the raw side has no server and no registry).
        auto costs = client_memory(t);
        if (only.empty() || std::string("scale").find(only) != std::string::npos) {
            for (const auto& [k, v] : scale_to(t, quick ? 50 : 10000)) costs[k] = v;
        }
        for (const auto& [k, v] : server_costs(t)) costs[k] = v;

        nlohmann::json out{{"date", papo::now_text()}, {"pairs", pairs}, {"quick", quick}, {"rows", nlohmann::json::array()}};
        std::printf("%-42s %-22s %12s %12s %8s\n", "scenario", "metric", "papo", "raw", "papo/raw");
        for (const auto& r : rows) {
            const double ratio = r.raw != 0 ? r.papo / r.raw : 0;
            std::printf("%-42s %-22s %12.2f %12.2f %8.2f\n", r.scenario.c_str(), r.metric.c_str(), r.papo, r.raw, ratio);
            out["rows"].push_back({{"scenario", r.scenario}, {"metric", r.metric}, {"papo", r.papo}, {"raw", r.raw}, {"ratio", ratio}});
        }
        for (const auto& [metric, value] : costs) {
            std::printf("%-42s %-22s %12.2f\n", "papo alone: memory and scale", metric.c_str(), value);
            out["server"][metric] = value;
        }
        if (!json_file.empty()) std::ofstream(json_file) << out.dump(2) << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "papo-bench: FAILED: " << e.what() << "\n";
        return 1;
    }
}
