// papo-instr: instructions per delivered DM, counted by valgrind's callgrind (this VM has no
// hardware counters for perf). papo-bench runs a DM's sender and receiver as threads of one
// process; here each is a process of its own, so that callgrind counts each apart:
//   papo-instr send    --side papo|raw --broker URI --from S --to R --count N [--accounts]
//   papo-instr receive --side papo|raw --broker URI --from S --to R --count N [--accounts]
//   papo-instr drive   --side papo|raw --dms N --out-dir DIR [--config open|real] [--tool callgrind|none]
//   papo-instr report  --out-dir DIR --dms N --base-dms M
// `drive` starts a broker (the tests' fixture), papo-server, makes the two users, runs a
// receiver and then a sender, checks that all N DMs arrived and that papo-server took the
// receipts, and stops everything; with --tool callgrind papo-server, the receiver, the sender
// (and with --broker-callgrind the broker) run under callgrind, each writing
// DIR/<program>.callgrind. bench/instructions.sh runs it for N and a smaller N and takes the
// difference per DM, so that start-up and connection costs cancel out; `report` reads the
// callgrind files of both runs (DIR/{papo,raw}-{N,M}/) and prints the tables: Ir per DM per
// process, by object, and the top functions.
//
// Copied from bench/scenarios.cpp (its anonymous namespace): the receiving loop of
// `receiver` (take(): receipts every 256 messages and when 100 ms pass without one), the
// topics and bodies of `ends()`, `outgoing()` and `subscribe_receiver()` (Mosquitto only).
#include "accounts.h"
#include "broker.h"
#include "files.h"
#include "process.h"
#include "scenarios.h"

#include "papo/client/reader.h"
#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/requests.h"
#include "papo/rpc.h"
#include "papo/server/server_core.h"
#include "papo/topics.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace po = boost::program_options;
using namespace papo::bench;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
    std::string role, side = "papo", broker, from, to, config = "open", out_dir, tool = "callgrind";
    std::string valgrind = "valgrind";
    int count = 0, dms = 5000;
    int base_dms = 500, top = 15;
    int limit_s = 240;  // no wait of a run may take longer
    bool accounts = false, broker_callgrind = false, count_syncs = false;
    bool papo_side() const { return side == "papo"; }
};

// The same topic as papo-bench's ends(): papo's inbox of `to` from `from`, or the raw one.
std::string topic_of(const options& o) {
    return o.papo_side() ? papo::topics::inbox(o.to, o.from) : "bench/raw/" + o.to;
}

target target_of(const options& o) {
    target t;
    t.broker = o.broker;
    t.accounts = o.accounts;
    return t;
}

// The sender: N QoS 1 publishes of a 100-byte body, as papo-bench's dm_throughput.
int send(const options& o) {
    const target t = target_of(o);
    papo::session tx(login_as(t, o.from, o.from + "~bench", false));
    tx.connect();
    const std::string body(100, 'x');
    const std::string topic = topic_of(o);
    for (int i = 0; i < o.count; ++i)
        tx.publish_async(topic, o.papo_side() ? papo::encode(papo::make_message(body)) : body);
    tx.flush();
    tx.disconnect();
    std::cout << "papo-instr: sent " << o.count << std::endl;
    return 0;
}

// The receiver: papo's reader (decode, drop repeats, receipts) or a raw count.
int receive(const options& o) {
    const target t = target_of(o);
    papo::session rx(receiver_login(t, o.to, o.to, true));
    std::size_t raw_received = 0, receipt_rounds = 0, last_receipted = 0;
    std::unique_ptr<papo::reader> reader;
    if (o.papo_side()) reader = std::make_unique<papo::reader>(rx, o.to, "", [](const papo::message_view&) {});
    const auto count = [&] { return o.papo_side() ? reader->shown() : raw_received; };
    const auto receipts = [&] {
        if (reader->shown() != last_receipted) ++receipt_rounds;
        last_receipted = reader->shown();
        reader->send_receipts();
    };
    rx.connect();
    // On Mosquitto papo-server made papo's queue subscribed; the raw end subscribes itself.
    if (!o.papo_side()) rx.subscribe({topic_of(o)}, 1);
    std::cout << "papo-instr: receiving" << std::endl;
    const auto expected = static_cast<std::size_t>(o.count);
    const auto deadline = clock_type::now() + std::chrono::seconds(o.limit_s);
    while (count() < expected && clock_type::now() < deadline) {
        auto message = rx.next(std::chrono::milliseconds(100));
        if (!message) {
            if (o.papo_side()) receipts();
            continue;
        }
        if (message->connection_lost) throw papo::error("receiver lost the broker");
        if (o.papo_side()) {
            reader->handle(*message);
            if (reader->shown() % 256 == 0) receipts();
        } else {
            ++raw_received;
        }
    }
    if (o.papo_side()) receipts();
    rx.disconnect();
    std::cout << "papo-instr: received " << count() << " of " << expected << ", receipt rounds " << receipt_rounds
              << std::endl;
    if (count() != expected) {
        std::cerr << "papo-instr: delivery check failed: " << count() << " of " << expected << " DMs arrived within "
                  << o.limit_s << " s\n";
        return 1;
    }
    return 0;
}

std::string trimmed_file(const std::string& path) {
    std::string text = papo::test::read_file(path);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

std::string self_path() {
    char buffer[4096];
    const auto n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) throw papo::error("cannot find papo-instr's own path");
    return std::string(buffer, static_cast<std::size_t>(n));
}

// Waits for a measured program to exit, bounded; its exit code, or throws with its output.
int wait_bounded(papo::test::process& p, const std::string& name, int limit_s) {
    const auto code = p.wait_for(std::chrono::seconds(limit_s));
    if (!code) {
        p.kill();
        throw papo::error(name + " did not finish within " + std::to_string(limit_s) + " s:\n" +
                          papo::test::tail(p.output(), 30));
    }
    return *code;
}

// papo-server has taken every receipt once the recipient's queue counts 0 messages.
void wait_until_confirmed(papo::rpc_client& admin, const std::string& queue, int limit_s) {
    const auto deadline = clock_type::now() + std::chrono::seconds(limit_s);
    for (;;) {
        std::size_t waiting = 0;
        for (const auto& row : admin.ask(papo::requests::queues_ls{}, std::chrono::seconds(60)))
            if (row.name == queue) waiting = row.messages;
        if (waiting == 0) return;
        if (clock_type::now() > deadline)
            throw papo::error("papo-server still counts " + std::to_string(waiting) + " messages in " + queue + " after " +
                              std::to_string(limit_s) + " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

int drive(const options& o) {
    if (o.out_dir.empty()) throw papo::error("drive needs --out-dir");
    std::filesystem::create_directories(o.out_dir);
    const bool real = o.config == "real";
    const bool counted = o.tool == "callgrind";
    const std::string self = self_path();
    // A program under callgrind when counting: its whole process, all threads in one file.
    const auto measured = [&](const std::string& name, std::vector<std::string> argv) {
        if (!counted && o.count_syncs && name == "papo-server") {  // the store's commits natively: its fsyncs
            std::vector<std::string> full{"strace", "-f", "--seccomp-bpf", "-c", "-e", "trace=fsync,fdatasync", "-o",
                                          o.out_dir + "/papo-server.syncs"};
            full.insert(full.end(), argv.begin(), argv.end());
            return full;
        }
        if (!counted) return argv;
        std::vector<std::string> full{o.valgrind, "--tool=callgrind", "--callgrind-out-file=" + o.out_dir + "/" + name + ".callgrind"};
        full.insert(full.end(), argv.begin(), argv.end());
        return full;
    };
    if (counted && o.broker_callgrind) {  // the fixture runs $PAPO_MOSQUITTO: a wrapper that execs callgrind
        const std::string wrapper = o.out_dir + "/mosquitto-under-callgrind.sh";
        std::ofstream(wrapper) << "#!/bin/sh\nexec " << o.valgrind << " --tool=callgrind --callgrind-out-file=" << o.out_dir
                               << "/mosquitto.callgrind " << papo::test::mosquitto_program() << " \"$@\"\n";
        ::chmod(wrapper.c_str(), 0755);
        ::setenv("PAPO_MOSQUITTO", wrapper.c_str(), 1);
    }
    using access = papo::test::broker::access;
    // As papo-bench's configurations: `real` lifts the rate limits and queue limits for both sides.
    auto broker = std::make_unique<papo::test::broker>(std::vector<std::string>{}, real ? access::project : access::open,
                                                       real ? std::vector<std::string>{"publish_rate 0", "request_rate 0"}
                                                            : std::vector<std::string>{});
    target t;
    t.broker = broker->uri();
    t.accounts = real;
    std::vector<std::string> server_argv{papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", t.broker,
                                         "--state-dir", broker->data_dir() + "/papo-server"};
    if (real) {
        t.admin_password = trimmed_file(broker->password_file("papo-admin"));
        t.server_password = trimmed_file(broker->password_file("papo-server"));
        server_argv.insert(server_argv.end(), {"--password-file", broker->password_file("papo-server"),
                                               "--max-waiting-messages", "0", "--max-waiting-bytes", "0"});
    } else {
        server_argv.push_back("--no-accounts");
    }
    auto server = std::make_unique<papo::test::process>(measured("papo-server", server_argv), o.out_dir + "/papo-server.log");
    if (!server->wait_for_output("papo-server serving", std::chrono::seconds(120)))
        throw papo::error("papo-server did not come up:\n" + papo::test::tail(server->output(), 30));
    grant_raw_topics(t);

    const std::string suffix = papo::random_hex(4);
    const std::string from = "s" + suffix, to = "r" + suffix;
    auto admin = std::make_unique<papo::rpc_client>(login_as(t, papo::admin_name, "", false), papo::admin_name);
    if (o.papo_side() || real)
        for (const auto& name : {from, to})
            admin->call("users.add", {{"name", name}, {"password", bench_password}}, std::chrono::seconds(60));

    std::vector<std::string> role_args{"--side", o.side, "--broker", t.broker, "--from", from, "--to", to, "--count",
                                       std::to_string(o.dms), "--limit", std::to_string(o.limit_s)};
    if (real) role_args.push_back("--accounts");
    const auto role = [&](const std::string& name) {
        std::vector<std::string> argv{self, name};
        argv.insert(argv.end(), role_args.begin(), role_args.end());
        return argv;
    };
    const auto start = clock_type::now();
    papo::test::process receiver(measured("receiver", role("receive")), o.out_dir + "/receiver.log");
    if (!receiver.wait_for_output("papo-instr: receiving", std::chrono::seconds(120)))
        throw papo::error("the receiver did not connect:\n" + papo::test::tail(receiver.output(), 30));
    papo::test::process sender(measured("sender", role("send")), o.out_dir + "/sender.log");
    const int sent = wait_bounded(sender, "the sender", o.limit_s);
    const int received = wait_bounded(receiver, "the receiver", o.limit_s);
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    if (sent != 0) throw papo::error("the sender failed (exit " + std::to_string(sent) + "):\n" + papo::test::tail(sender.output(), 30));
    if (received != 0)
        throw papo::error("the receiver failed (exit " + std::to_string(received) + "):\n" + papo::test::tail(receiver.output(), 30));
    // Before papo-server stops: it has stored every DM and taken every receipt.
    if (o.papo_side()) wait_until_confirmed(*admin, to, o.limit_s);
    admin.reset();
    const int server_exit = server->stop(std::chrono::seconds(120));
    server.reset();
    broker.reset();
    const std::string output = receiver.output();
    const auto at = output.find("papo-instr: received");
    const std::string summary = at == std::string::npos ? "papo-instr: received ?" : output.substr(at, output.find('\n', at) - at);
    std::cout << "papo-instr drive: side " << o.side << ", config " << o.config << ", " << o.dms << " DMs: "
              << summary.substr(std::string("papo-instr: ").size()) << "; sender to receiver's exit " << seconds
              << " s; papo-server exit " << server_exit << std::endl;
    return 0;
}

// ---- report: what the callgrind files say, per DM ----

// One callgrind file, read as callgrind_annotate reads it: a function's self cost is its
// own cost lines; its inclusive cost adds the cost of every call it makes (so recursion
// counts twice, as in callgrind_annotate --inclusive=yes).
struct profile {
    double total = 0;
    std::map<std::string, double> self_by_object, self_by_function, inclusive_by_function, calls_of_function;
    std::map<std::string, std::string> object_of_function;
};

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

profile read_profile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw papo::error("cannot read " + path);
    profile p;
    std::map<std::string, std::string> objects, functions;  // name compression: "(id)" -> name
    const auto name = [](std::map<std::string, std::string>& table, const std::string& text) {
        if (text.empty() || text[0] != '(') return text;
        const auto close = text.find(')');
        const std::string id = text.substr(0, close + 1);
        if (close + 1 < text.size()) table[id] = text.substr(close + 2);
        return table[id];
    };
    std::string object, function, call_object, call_function;
    bool call_cost_next = false;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const char c = line[0];
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*') {
            const auto space = line.find(' ');
            const double cost = space == std::string::npos ? 0 : std::strtod(line.c_str() + space + 1, nullptr);
            p.inclusive_by_function[function] += cost;
            if (call_cost_next) {
                call_cost_next = false;
                call_object.clear();
            } else {
                p.self_by_function[function] += cost;
                p.self_by_object[object] += cost;
            }
        } else if (line.rfind("ob=", 0) == 0) {
            object = base_name(name(objects, line.substr(3)));
        } else if (line.rfind("cob=", 0) == 0) {
            call_object = base_name(name(objects, line.substr(4)));
        } else if (line.rfind("fn=", 0) == 0) {
            function = name(functions, line.substr(3)) + " [" + object + "]";
            p.object_of_function[function] = object;
        } else if (line.rfind("cfn=", 0) == 0) {
            call_function = line.substr(4);
        } else if (line.rfind("calls=", 0) == 0) {
            const std::string callee = name(functions, call_function) + " [" + (call_object.empty() ? object : call_object) + "]";
            p.calls_of_function[callee] += std::strtod(line.c_str() + 6, nullptr);
            call_cost_next = true;
        } else if (line.rfind("summary:", 0) == 0) {
            p.total = std::strtod(line.c_str() + 8, nullptr);
        }
    }
    return p;
}

// A share of a process: its shared library, or within the program itself nlohmann::json's
// out-of-line functions, other std:: templates, and the rest (papo's own code and Paho C++'s
// inline parts; what the compiler inlined counts where it was inlined).
std::string part_of(const std::string& object, const std::string& function, const std::string& program) {
    for (const char* lib : {"libsqlite3", "libpaho-mqtt3as", "libpaho-mqttpp3", "libc.so", "libstdc++", "ld-linux",
                            "libcrypto", "libssl", "libm.so", "libgcc_s", "libdynamic-security", "papo_guard"})
        if (object.rfind(lib, 0) == 0 || object.find(lib) != std::string::npos) return lib;
    if (object == program || object.rfind("papo-", 0) == 0 || object == "mosquitto") {
        const std::string bare = function.substr(0, function.rfind(" ["));
        if (bare.find("nlohmann::") != std::string::npos) return object + ": nlohmann::json functions";
        if (bare.rfind("std::", 0) == 0 || bare.rfind("void std::", 0) == 0 || bare.rfind("__gnu_cxx::", 0) == 0)
            return object + ": std:: templates";
        return object + ": its own code";
    }
    if (object.rfind("vgpreload", 0) == 0) return "valgrind's preload (malloc under valgrind is libc's)";
    return "other (" + object + ")";
}

std::string count_text(double value) {
    char text[64];
    if (std::abs(value) >= 100) std::snprintf(text, sizeof text, "%.0f", value);
    else std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

std::string ratio_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

std::string small_count_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, value >= 10 ? "%.0f" : "%.2f", value);
    return text;
}

// Frames every thread or the main thread has at its bottom: they say nothing.
bool generic_frame(const std::string& function) {
    for (const char* frame : {"start_thread", "clone", "(below main)", "__libc_start_main", "main [", "0x000000000001ab70 [ld-linux"})
        if (function.rfind(frame, 0) == 0) return true;
    return false;
}

std::string shorter(std::string text, std::size_t most) {
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"},
             {"nlohmann::json_abi_v3_11_2::", "nlohmann::"}}) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) text.replace(at, from.size(), to);
    }
    if (text.size() > most) text = text.substr(0, most - 3) + "...";
    for (auto& c : text)
        if (c == '|') c = '/';
    return text;
}

// The number after `label` in a log ("receipt rounds 20"), or -1.
double number_after(const std::string& text, const std::string& label) {
    const auto at = text.find(label);
    return at == std::string::npos ? -1 : std::strtod(text.c_str() + at + label.size(), nullptr);
}

struct run_pair {
    std::string side;
    std::string big_dir, small_dir;
};

int report(const std::string& dir, int dms, int base_dms, int top) {
    if (dms <= base_dms) throw papo::error("report needs --dms above --base-dms");
    const double per = dms - base_dms;
    const std::vector<std::string> programs{"sender", "receiver", "papo-server", "mosquitto"};
    const auto path = [&](const std::string& side, int n, const std::string& program) {
        return dir + "/" + side + "-" + std::to_string(n) + "/" + program + ".callgrind";
    };
    const auto exists = [](const std::string& file) { return std::ifstream(file).good(); };
    std::map<std::string, std::map<std::string, profile>> big, small;  // side -> program -> profile
    for (const std::string side : {"papo", "raw"})
        for (const auto& program : programs)
            if (exists(path(side, dms, program)) && exists(path(side, base_dms, program))) {
                big[side][program] = read_profile(path(side, dms, program));
                small[side][program] = read_profile(path(side, base_dms, program));
            }
    const auto per_dm = [&](const std::string& side, const std::string& program) {
        return (big[side][program].total - small[side][program].total) / per;
    };
    std::printf("## Instructions (Ir) per delivered DM: (run of %d DMs - run of %d) / %d\n\n", dms, base_dms, dms - base_dms);
    std::printf("| process | papo: Ir per DM | raw: Ir per DM | papo/raw | papo: whole run of %d | of %d | raw: whole run of %d | of %d |\n",
                dms, base_dms, dms, base_dms);
    std::printf("|---|---|---|---|---|---|---|---|\n");
    double papo_sum = 0, raw_sum = 0, papo_clients = 0, raw_clients = 0;
    for (const auto& program : programs) {
        if (!big["papo"].count(program) || !big["raw"].count(program)) continue;
        const double p = per_dm("papo", program), r = per_dm("raw", program);
        papo_sum += p, raw_sum += r;
        if (program == "sender" || program == "receiver") papo_clients += p, raw_clients += r;
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", program.c_str(), count_text(p).c_str(), count_text(r).c_str(),
                    r > 1000 ? ratio_text(p / r).c_str() : "-", count_text(big["papo"][program].total).c_str(),
                    count_text(small["papo"][program].total).c_str(), count_text(big["raw"][program].total).c_str(),
                    count_text(small["raw"][program].total).c_str());
    }
    std::printf("| sender + receiver | %s | %s | %.2f | | | | |\n", count_text(papo_clients).c_str(), count_text(raw_clients).c_str(),
                papo_clients / raw_clients);
    std::printf("| **all measured processes** | **%s** | **%s** | **%.2f** | | | | |\n\n", count_text(papo_sum).c_str(),
                count_text(raw_sum).c_str(), papo_sum / raw_sum);

    const std::string commit_function = "papo::message_store::commit() [papo-server]";
    if (big["papo"].count("papo-server")) {
        // Batches: papo-server commits its store (one fsync each) every 512 DMs, every 20 ms
        // under load or when traffic pauses; the receiver sends receipts every 256 DMs or after
        // 100 ms without one. Under callgrind 20 ms and 100 ms are fewer DMs than natively.
        auto& b = big["papo"]["papo-server"];
        auto& s = small["papo"]["papo-server"];
        const auto syncs = [](profile& p) {
            return p.calls_of_function["fsync [libc.so.6]"] + p.calls_of_function["fdatasync [libc.so.6]"];
        };
        const double commits = b.calls_of_function[commit_function] - s.calls_of_function[commit_function];
        const double commit_ir = b.calls_of_function[commit_function] > 0
                                     ? b.inclusive_by_function[commit_function] / b.calls_of_function[commit_function]
                                     : 0;
        const auto rounds = [&](const std::string& run) {
            return number_after(papo::test::read_file(dir + "/" + run + "/receiver.log"), "receipt rounds ");
        };
        const double receipt_rounds = rounds("papo-" + std::to_string(dms)) - rounds("papo-" + std::to_string(base_dms));
        std::printf("Batches under callgrind, for the %d DMs of the difference: papo-server committed its store %s times "
                    "(%s DMs per commit; %s fsync/fdatasync calls), %s Ir per commit (message_store::commit, inclusive); "
                    "the receiver sent receipts %s times (%s DMs per round).\n",
                    dms - base_dms, count_text(commits).c_str(), count_text(commits > 0 ? per / commits : 0).c_str(),
                    count_text(syncs(b) - syncs(s)).c_str(), count_text(commit_ir).c_str(), count_text(receipt_rounds).c_str(),
                    count_text(receipt_rounds > 0 ? per / receipt_rounds : 0).c_str());
        // Also by the clock: a changed queue's snapshot every 100 ms (--snapshot-ms), and a
        // run under callgrind lasts some 30 times longer.
        const std::string snapshots_function = "papo::server_core::take_snapshots() [papo-server]";
        const double snapshots = b.calls_of_function[snapshots_function] - s.calls_of_function[snapshots_function];
        std::printf("papo-server's queue snapshots (server_core::take_snapshots, every 100 ms while a count changes): %s "
                    "rounds, %s Ir per DM in all (inclusive).\n",
                    count_text(snapshots).c_str(),
                    count_text((b.inclusive_by_function[snapshots_function] - s.inclusive_by_function[snapshots_function]) / per).c_str());
        // The same runs natively (drive --tool none --count-syncs), when the script made them.
        const std::string native_big = dir + "/native-" + std::to_string(dms), native_small = dir + "/native-" + std::to_string(base_dms);
        const auto strace_syncs = [](const std::string& file) {
            std::ifstream in(file);
            double calls = 0;
            for (std::string line; std::getline(in, line);)
            {
                std::istringstream fields(line);
                std::vector<std::string> words;  // % time, seconds, usecs/call, calls, [errors,] syscall
                for (std::string w; fields >> w;) words.push_back(w);
                if (words.size() >= 5 && (words.back() == "fsync" || words.back() == "fdatasync"))
                    calls += std::strtod(words[3].c_str(), nullptr);
            }
            return calls;
        };
        if (std::ifstream(native_big + "/papo-server.syncs").good() && std::ifstream(native_small + "/papo-server.syncs").good()) {
            const double native_syncs = strace_syncs(native_big + "/papo-server.syncs") - strace_syncs(native_small + "/papo-server.syncs");
            const double native_rounds = rounds("native-" + std::to_string(dms)) - rounds("native-" + std::to_string(base_dms));
            const double cg_syncs = syncs(b) - syncs(s);
            // Commits natively: the fsyncs, scaled by the commits per fsync seen under callgrind.
            const double native_commits = cg_syncs > 0 ? native_syncs * commits / cg_syncs : native_syncs;
            std::printf("Natively (the same runs without valgrind, fsyncs counted by strace): %s fsync/fdatasync calls, so about "
                        "%s commits (%s DMs per commit); receipts %s times (%s DMs per round). At the native batch size, "
                        "papo-server's commits would cost %s Ir per DM instead of %s (callgrind minus native: %s Ir per DM).\n",
                        count_text(native_syncs).c_str(), count_text(native_commits).c_str(),
                        count_text(native_commits > 0 ? per / native_commits : 0).c_str(), count_text(native_rounds).c_str(),
                        count_text(native_rounds > 0 ? per / native_rounds : 0).c_str(),
                        count_text(native_commits * commit_ir / per).c_str(), count_text(commits * commit_ir / per).c_str(),
                        count_text((commits - native_commits) * commit_ir / per).c_str());
        }
        std::printf("\n");
    }

    const auto by_object = [&](const std::string& side, const std::string& program) {
        if (!big[side].count(program)) return;
        auto& b = big[side][program];
        auto& s = small[side][program];
        const std::string binary = program == "mosquitto" ? "mosquitto" : program == "papo-server" ? "papo-server" : "papo-instr";
        std::map<std::string, double> parts;
        for (const auto& [function, cost] : b.self_by_function) parts[part_of(b.object_of_function[function], function, binary)] += cost;
        for (const auto& [function, cost] : s.self_by_function) parts[part_of(s.object_of_function[function], function, binary)] -= cost;
        std::vector<std::pair<double, std::string>> sorted;
        for (const auto& [part, cost] : parts) sorted.emplace_back(cost / per, part);
        std::sort(sorted.rbegin(), sorted.rend());
        const double all = per_dm(side, program);
        std::printf("### %s's %s: self Ir per DM by object (%s in all)\n\n| object | Ir per DM | share |\n|---|---|---|\n", side.c_str(),
                    program.c_str(), count_text(all).c_str());
        for (const auto& [cost, part] : sorted)
            if (std::abs(cost) >= 0.005 * all) std::printf("| %s | %s | %.1f%% |\n", part.c_str(), count_text(cost).c_str(), 100 * cost / all);
        std::printf("\n");
    };
    const auto top_functions = [&](const std::string& side, const std::string& program) {
        if (!big[side].count(program)) return;
        auto& b = big[side][program];
        auto& s = small[side][program];
        std::vector<std::pair<double, std::string>> sorted;
        for (const auto& [function, cost] : b.inclusive_by_function) {
            const auto other = s.inclusive_by_function.find(function);
            sorted.emplace_back((cost - (other == s.inclusive_by_function.end() ? 0 : other->second)) / per, function);
        }
        std::sort(sorted.rbegin(), sorted.rend());
        const double all = per_dm(side, program);
        std::printf("### %s's %s: top %d functions, inclusive Ir per DM\n\n| function [object] | inclusive Ir per DM | share | self Ir per DM | calls per DM |\n|---|---|---|---|---|\n",
                    side.c_str(), program.c_str(), top);
        int shown = 0;
        for (const auto& [cost, function] : sorted) {
            if (generic_frame(function)) continue;
            if (shown++ == top) break;
            const double self = (b.self_by_function[function] - s.self_by_function[function]) / per;
            const double calls = (b.calls_of_function[function] - s.calls_of_function[function]) / per;
            std::printf("| %s | %s | %.1f%% | %s | %s |\n", shorter(function, 140).c_str(), count_text(cost).c_str(), 100 * cost / all,
                        count_text(self).c_str(), calls > 0 ? small_count_text(calls).c_str() : "-");
        }
        std::printf("\n");
    };
    std::printf("## Where the instructions go (self cost per DM, by object)\n\n");
    for (const auto& [side, program] : std::vector<std::pair<std::string, std::string>>{
             {"papo", "papo-server"}, {"papo", "receiver"}, {"raw", "receiver"}, {"papo", "sender"}, {"raw", "sender"}, {"papo", "mosquitto"}, {"raw", "mosquitto"}})
        by_object(side, program);
    const auto top_self = [&](const std::string& side, const std::string& program) {
        if (!big[side].count(program)) return;
        auto& b = big[side][program];
        auto& s = small[side][program];
        std::vector<std::pair<double, std::string>> sorted;
        for (const auto& [function, cost] : b.self_by_function) sorted.emplace_back((cost - s.self_by_function[function]) / per, function);
        std::sort(sorted.rbegin(), sorted.rend());
        const double all = per_dm(side, program);
        std::printf("### %s's %s: top %d functions by self Ir per DM\n\n| function [object] | self Ir per DM | share | calls per DM |\n|---|---|---|---|\n",
                    side.c_str(), program.c_str(), top);
        for (std::size_t i = 0; i < sorted.size() && i < static_cast<std::size_t>(top); ++i) {
            const double calls = (b.calls_of_function[sorted[i].second] - s.calls_of_function[sorted[i].second]) / per;
            std::printf("| %s | %s | %.1f%% | %s |\n", shorter(sorted[i].second, 140).c_str(), count_text(sorted[i].first).c_str(),
                        100 * sorted[i].first / all, calls > 0 ? small_count_text(calls).c_str() : "-");
        }
        std::printf("\n");
    };
    std::printf("## Top functions, inclusive (per DM)\n\n");
    for (const auto& [side, program] : std::vector<std::pair<std::string, std::string>>{{"papo", "papo-server"}, {"papo", "receiver"}})
        top_functions(side, program);
    std::printf("## Top functions, self (per DM)\n\n");
    for (const auto& [side, program] : std::vector<std::pair<std::string, std::string>>{{"papo", "papo-server"}, {"papo", "receiver"}})
        top_self(side, program);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    po::options_description described(
        "papo-instr ROLE [options]: one measured program of bench/instructions.sh\n"
        "  send     publish --count DMs (100-byte bodies, QoS 1) from --from to --to\n"
        "  receive  take --count DMs as --to (papo: reader with receipts), exit 1 if any is missing\n"
        "  drive    broker + papo-server + receiver + sender for --dms DMs, under callgrind\n"
        "  report   --out-dir DIR --dms N --base-dms M: Ir per DM from DIR/{papo,raw}-{N,M}/*.callgrind\n"
        "options");
    described.add_options()("help,h", "show this help")(
        "side", po::value(&o.side)->default_value(o.side), "papo or raw (the Paho baseline, on bench/raw/<to>)")(
        "broker", po::value(&o.broker), "send/receive: the broker's URI")("from", po::value(&o.from), "send/receive: the sender's name")(
        "to", po::value(&o.to), "send/receive: the recipient's name")("count", po::value(&o.count)->default_value(0), "send/receive: DMs")(
        "accounts", po::bool_switch(&o.accounts), "send/receive: log in (the real configuration's accounts)")(
        "limit", po::value(&o.limit_s)->default_value(o.limit_s), "seconds any one wait may take")(
        "dms", po::value(&o.dms)->default_value(o.dms), "drive: DMs to deliver")(
        "config", po::value(&o.config)->default_value(o.config), "drive: open (no accounts, papo-server --no-accounts) or real "
                                                                 "(accounts + papo_guard, rate and queue limits lifted)")(
        "out-dir", po::value(&o.out_dir), "drive: where the callgrind files and the logs go")(
        "tool", po::value(&o.tool)->default_value(o.tool), "drive: callgrind, or none (the same run natively)")(
        "broker-callgrind", po::bool_switch(&o.broker_callgrind), "drive: also run the broker under callgrind")(
        "count-syncs", po::bool_switch(&o.count_syncs), "drive --tool none: count papo-server's fsync/fdatasync calls (strace -c)")(
        "valgrind", po::value(&o.valgrind)->default_value(o.valgrind), "drive: the valgrind program")(
        "base-dms", po::value(&o.base_dms)->default_value(o.base_dms), "report: the smaller run's DMs")(
        "top", po::value(&o.top)->default_value(o.top), "report: how many functions to list");
    po::positional_options_description positional;
    positional.add("role", 1);
    described.add_options()("role", po::value(&o.role), "send, receive or drive");
    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc, argv).options(described).positional(positional).run(), values);
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "papo-instr: " << e.what() << "\n";
        return 2;
    }
    if (values.count("help")) {
        std::cout << described;
        return 0;
    }
    if (o.side != "papo" && o.side != "raw") {
        std::cerr << "papo-instr: --side is papo or raw\n";
        return 2;
    }
    if (o.config != "open" && o.config != "real") {
        std::cerr << "papo-instr: --config is open or real\n";
        return 2;
    }
    if (o.tool != "callgrind" && o.tool != "none") {
        std::cerr << "papo-instr: --tool is callgrind or none\n";
        return 2;
    }
    try {
        if (o.role == "send") return send(o);
        if (o.role == "receive") return receive(o);
        if (o.role == "drive") return drive(o);
        if (o.role == "report") return report(o.out_dir, o.dms, o.base_dms, o.top);
        std::cerr << "papo-instr: the role is send, receive or drive (--help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "papo-instr: FAILED: " << e.what() << "\n";
        return 1;
    }
}
