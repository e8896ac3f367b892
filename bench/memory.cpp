// Memory and scale measurements: papo-server and the broker with many users, and a
// papo client process. Read from /proc, so they cost the measured processes nothing.
#include "scenarios.h"

#include "accounts.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"

#include "files.h"
#include "process.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>
#include <thread>

namespace papo::bench {

double rss_kb(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6));
    return 0;
}

double cpu_ms(int pid) {
    std::ifstream stat(pid ? "/proc/" + std::to_string(pid) + "/stat" : "/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces, so start after its ')'):
    // state is field 3, utime and stime are fields 14 and 15, in clock ticks.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
    }
    return (utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double broker_cpu_ms(const target& t) {
    return (t.broker_pid ? cpu_ms(t.broker_pid) : 0) + (t.second_broker_pid ? cpu_ms(t.second_broker_pid) : 0);
}

double broker_rss_kb(const target& t) {
    return (t.broker_pid ? rss_kb(t.broker_pid) : 0) + (t.second_broker_pid ? rss_kb(t.second_broker_pid) : 0);
}

namespace {

session_options admin_options(const target& t) {
    session_options o = login_as(t, admin_name, "", false);
    o.timeout = std::chrono::seconds(30);
    return o;
}

}  // namespace

measurements scale_to(const target& t, int users) {
    rpc_client admin(admin_options(t), admin_name);
    const auto existing = static_cast<int>(admin.call("queues.ls", {}, std::chrono::seconds(30)).size());
    const int to_add = std::max(0, users - existing);
    const double broker_before = rss_kb(t.broker_pid);
    const auto start = std::chrono::steady_clock::now();
    // Bounded in time as well: where users come slower than that (dynsec rewrites its whole
    // file at every change), the step stops and says how far it got.
    int added = 0;
    bool stopped = false;
    for (; added < to_add; ++added) {
        if (std::chrono::steady_clock::now() - start > std::chrono::minutes(3)) {
            stopped = true;
            break;
        }
        admin.call("users.add", {{"name", "scale-" + std::to_string(added)}, {"password", bench_password}},
                   std::chrono::seconds(30));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double broker_after = rss_kb(t.broker_pid);
    return {{"users_added", added},
            {"scale_stopped_at_3_min", stopped ? 1 : 0},
            {"scale_ms_per_user", added ? seconds * 1000 / added : 0},
            {"broker_kb_per_idle_user", added ? (broker_after - broker_before) / added : 0},
            {"broker_rss_kb", broker_after}};
}

measurements client_memory(const target& t) {
    rpc_client admin(admin_options(t), admin_name);
    admin.call("users.add", {{"name", "rss-probe"}, {"password", bench_password}}, std::chrono::seconds(30));
    const std::string dir = test::make_temp_dir("papo-bench-client");
    write_secret_file(dir + "/password", bench_password);
    test::process reader({t.papo_bin, "--broker", t.broker, "--user", "rss-probe", "--password-file", dir + "/password",
                          "--state-dir", dir, "read", "--wait", "3"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // connected and waiting
    const double rss = rss_kb(reader.pid());
    reader.wait();
    test::remove_tree(dir);
    return {{"client_rss_kb", rss}};
}

}  // namespace papo::bench
