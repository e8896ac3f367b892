// One-shot commands as processes (issue 14, item 7): how long `papo send`, `read` (an
// empty queue), `join` and `leave` take from start to exit, median of `runs` each.
// The raw side is the same work done by Mosquitto's own one-shot clients on the same
// broker with the same accounts: mosquitto_pub -q 1 for a send, mosquitto_sub -E (exit
// at the SUBACK) for a read, a join and a leave.
#include "scenarios.h"

#include "accounts.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/rpc.h"
#include "papo/clock.h"
#include "papo/server/server_core.h"  // admin_name
#include "files.h"
#include "process.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace papo::bench {
namespace {

using clock_type = std::chrono::steady_clock;

double median_ms(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

// Runs `argv` to its exit and returns how long it took; a failed command fails the run.
double timed_ms(const std::vector<std::string>& argv) {
    const auto start = clock_type::now();
    const auto result = test::run_command(argv, std::chrono::seconds(30));
    const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
    if (result.exit_code != 0)
        throw error("'" + argv[0] + " " + (argv.size() > 1 ? argv.back() : "") + "' failed (" +
                    std::to_string(result.exit_code) + "): " + result.err);
    return ms;
}

std::string host_of(const std::string& uri) {
    const auto from = uri.find("://") + 3;
    return uri.substr(from, uri.rfind(':') - from);
}
std::string port_of(const std::string& uri) { return uri.substr(uri.rfind(':') + 1); }

}  // namespace

measurements one_shot_commands(const target& t, bool papo_side, int runs) {
    static int round = 0;
    const std::string tag = std::to_string(++round) + random_hex(3);
    const std::string sender = "cmd-s" + tag, reader = "cmd-r" + tag, topic = "cmd-t" + tag;
    {
        rpc_client admin(login_as(t, admin_name, "", false), admin_name);
        for (const auto& name : {sender, reader})
            admin.call("users.add", {{"name", name}, {"password", bench_password}}, std::chrono::seconds(30));
        admin.call("topics.add", {{"name", topic}}, std::chrono::seconds(30));
    }
    const std::string dir = test::make_temp_dir("papo-bench-commands");
    write_secret_file(dir + "/password", bench_password);
    auto papo = [&](const std::string& user, std::vector<std::string> words) {
        std::vector<std::string> argv{t.papo_bin, "--broker", t.broker, "--user", user, "--password-file", dir + "/password",
                                      "--state-dir", dir + "/state"};
        argv.insert(argv.end(), words.begin(), words.end());
        return argv;
    };
    // Mosquitto's clients take the password on the command line: fine for a benchmark's
    // throwaway accounts on loopback, never for real ones (topics-schema/topics.md).
    auto mosquitto = [&](const char* program, const std::string& user, std::vector<std::string> rest) {
        std::vector<std::string> argv{std::string(program), "-V", "5", "-h", host_of(t.broker), "-p", port_of(t.broker), "-q", "1",
                                      "-i", user + "~raw-" + random_hex(4)};
        if (t.accounts) argv.insert(argv.end(), {"-u", user, "-P", bench_password});
        argv.insert(argv.end(), rest.begin(), rest.end());
        return argv;
    };
    std::vector<double> send, read, join, leave;
    try {
        for (int i = 0; i < runs; ++i) {
            if (papo_side) {
                send.push_back(timed_ms(papo(sender, {"send", reader, "hello"})));
                join.push_back(timed_ms(papo(sender, {"join", topic})));
                leave.push_back(timed_ms(papo(sender, {"leave", topic})));
                read.push_back(timed_ms(papo(sender, {"read"})));  // the sender's queue stays empty
            } else {
                send.push_back(timed_ms(mosquitto("mosquitto_pub", sender, {"-t", "bench/cmd/" + tag, "-m", "hello"})));
                for (auto* into : {&join, &leave, &read})
                    into->push_back(timed_ms(mosquitto("mosquitto_sub", sender, {"-E", "-t", "bench/cmd/" + tag})));
            }
        }
    } catch (...) {
        test::remove_tree(dir);
        throw;
    }
    test::remove_tree(dir);
    return {{"send_ms", median_ms(send)}, {"read_empty_ms", median_ms(read)}, {"join_ms", median_ms(join)},
            {"leave_ms", median_ms(leave)}};
}

}  // namespace papo::bench
