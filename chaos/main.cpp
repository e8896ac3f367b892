// papo-chaos: a bounded soak run against a real broker (the project's configuration,
// accounts on) with real papo processes: users send each other DMs and post to a
// topic they all joined, and read; devices send DMs and posts with plain MQTT (no outbox,
// a fresh connection each time, never seen again); readers are killed at random, the
// broker is SIGKILLed twice and papo-server once. Then everything is drained, and
// checker.h counts lost, duplicated, out-of-order and unexpected messages. Exit status 0
// only when all four are 0 and papo-server counts every queue empty. With --cluster the
// same runs on a 2-node ejabberd cluster, users and devices spread over both nodes, and the
// broker SIGKILLs are SIGKILLs of node 2 (brokers.h).
#include "brokers.h"
#include "checker.h"

#include "broker.h"
#include "files.h"
#include "process.h"

#include "papo/clock.h"
#include "papo/credentials.h"
#include "papo/session.h"
#include "papo/topics.h"
#include "wait.h"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace po = boost::program_options;
using namespace std::chrono_literals;
using papo::test::run_command;

namespace {

struct settings {
    int users = 8;
    int devices = 3;
    int seconds = 25;
    unsigned seed = 0;
    std::string json_file;
    std::vector<std::string> broker_config;  // extra mosquitto.conf lines (e.g. "log_type all")
    std::string keep_logs;                   // a folder for the broker's and papo-server's logs
    bool cluster = false;                    // a 2-node ejabberd cluster instead of Mosquitto
    int kill_node = 2;                       // ... and the node its broker SIGKILLs hit
};

class run {
public:
    explicit run(const settings& s)
        : s_(s), rng_(s.seed), dir_(papo::test::make_temp_dir("papo-chaos")),
          papo_(papo::test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT)),
          admin_(papo::test::env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT)),
          server_bin_(papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT)) {}
    ~run() {
        server_.reset();
        brokers_.reset();
        papo::test::remove_tree(dir_);
        if (!cluster_dir_.empty()) papo::test::remove_tree(cluster_dir_);
    }

    int go() {
        setup();
        const auto start = std::chrono::steady_clock::now();
        const auto end = start + std::chrono::seconds(s_.seconds);
        std::vector<std::thread> threads;
        for (int i = 0; i < s_.users; ++i) {
            threads.emplace_back([this, i, end] { send_loop(i, end); });
            threads.emplace_back([this, i, end] { read_loop(i, end); });
        }
        for (int d = 0; d < s_.devices; ++d) threads.emplace_back([this, d, end] { device_loop(d, end); });
        threads.emplace_back([this, start] {
            try {
                crash_loop(start);
            } catch (const std::exception& e) {  // the run goes on, fails, and stops its brokers
                event(std::string("FAILED to crash and restart: ") + e.what());
                crash_failed_ = true;
            }
        });
        for (auto& t : threads) t.join();
        say("traffic over: " + std::to_string(sends_.size()) + " sends (papo and devices); draining");
        const auto drain_started = std::chrono::steady_clock::now();
        drain();
        event("drain over in " + ms_since(drain_started));
        const auto v = papo::chaos::check(sends_, shows_);
        const int miscounted = queues_not_empty();
        report(v, miscounted);
        return v.ok() && miscounted == 0 && !crash_failed_ ? 0 : 1;
    }

private:
    std::string name(int i) const { return "c" + std::to_string(i); }
    // Devices are users of their own that join nothing and read nothing: nobody writes to them.
    std::string device(int d) const { return "d" + std::to_string(d); }
    std::string password_of(const std::string& user) const { return "password-of-" + user; }
    static std::string ms_since(std::chrono::steady_clock::time_point t) {
        return std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count()) +
               " ms";
    }
    // A line of the run's timeline, with the same UTC clock as papo-server's log.
    void event(const std::string& text) {
        say(text);
        std::lock_guard<std::mutex> lock(guard_);
        timeline_.push_back(papo::now_text() + " " + text);
    }
    std::string password_file(int i) const { return dir_ + "/" + name(i) + ".password"; }
    std::vector<std::string> papo_argv(int i, std::vector<std::string> rest) const {
        std::vector<std::string> argv{papo_, "--broker", brokers_->uri_for(i), "--user", name(i), "--password-file",
                                      password_file(i), "--state-dir", dir_ + "/state", "--timeout", "3"};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return argv;
    }
    void say(const std::string& text) {
        std::lock_guard<std::mutex> lock(guard_);
        std::cerr << "papo-chaos: " << text << std::endl;
    }
    int random(int low, int high) {
        std::lock_guard<std::mutex> lock(guard_);
        return std::uniform_int_distribution<int>(low, high)(rng_);
    }

    void start_server() {
        if (server_) earlier_server_logs_ += server_->output();
        std::vector<std::string> argv{server_bin_};
        for (auto& option : brokers_->server_options()) argv.push_back(std::move(option));
        argv.insert(argv.end(), {"--state-dir", dir_ + "/papo-server"});  // the same folder after its SIGKILL
        server_ = std::make_unique<papo::test::process>(argv);
        if (!server_->wait_for_output("serving", 60s)) throw std::runtime_error("papo-server did not start: " + server_->output());
    }

    // How many replays the running papo-server has logged (one per new broker epoch).
    std::size_t replays_logged() const {
        const auto log = server_->output();
        std::size_t found = 0;
        for (auto at = log.find(replay_line_); at != std::string::npos; at = log.find(replay_line_, at + 1)) ++found;
        return found;
    }

    void setup() {
        // The cluster's folder of its own: user ejabberd cannot pass a folder closed to others.
        if (s_.cluster) cluster_dir_ = papo::test::make_temp_dir("papo-chaos-cluster");
        brokers_ = s_.cluster ? papo::chaos::start_ejabberd_cluster(cluster_dir_, s_.kill_node) : papo::chaos::start_mosquitto(s_.broker_config);
        start_server();
        std::vector<std::string> accounts;
        for (int i = 0; i < s_.users; ++i) accounts.push_back(name(i));
        for (int d = 0; d < s_.devices; ++d) accounts.push_back(device(d));
        for (const auto& user : accounts) {
            const auto file = dir_ + "/" + user + ".password";
            papo::write_secret_file(file, password_of(user));
            const auto added = run_command({admin_, "--broker", brokers_->admin_uri(), "--password-file",
                                            brokers_->admin_password_file(), "users", "add", user,
                                            "--new-password-file", file},
                                           30s);
            if (added.exit_code != 0) throw std::runtime_error("cannot create " + user + ": " + added.err);
        }
        const auto topic = run_command({admin_, "--broker", brokers_->admin_uri(), "--password-file",
                                        brokers_->admin_password_file(), "topics", "add", topic_},
                                       30s);
        if (topic.exit_code != 0) throw std::runtime_error("cannot create #" + topic_ + ": " + topic.err);
        for (int i = 0; i < s_.users; ++i) {
            const auto joined = run_command(papo_argv(i, {"join", topic_}), 30s);
            if (joined.exit_code != 0) throw std::runtime_error(name(i) + " cannot join: " + joined.err);
        }
        // A clean restart writes the accounts' sessions and the registry to disk: the
        // SIGKILL below then tests messages, not users created seconds before it.
        // papo_guard announces a new epoch at this start too: wait until papo-server has
        // reconnected and remade the queues, so the traffic starts on a settled broker.
        if (!brokers_->announces_restarts()) return;  // ejabberd: accounts are on disc already
        const auto before = replays_logged();
        brokers_->restart_cleanly();
        if (!papo::test::wait_until([&] { return replays_logged() > before; }, 30s, 50ms))
            throw std::runtime_error("papo-server did not settle after the broker's clean restart: " + server_->output());
    }

    // One in four is a post to the topic every user joined, the rest DMs to random others.
    void send_loop(int i, std::chrono::steady_clock::time_point end) {
        for (int k = 0; std::chrono::steady_clock::now() < end && k < 100000; ++k) {
            papo::chaos::accepted sent{name(i), "", {}, ""};
            std::vector<std::string> command{"--json", "--resend-after", "2"};
            if (random(0, 3) == 0) {
                sent.topic = topic_;
                for (int other = 0; other < s_.users; ++other)
                    if (other != i) sent.readers.push_back(name(other));
                command.insert(command.end(), {"post", topic_, name(i) + " to #" + topic_ + " #" + std::to_string(k)});
            } else {
                int to = random(0, s_.users - 2);
                if (to >= i) ++to;
                sent.readers = {name(to)};
                command.insert(command.end(), {"send", name(to), name(i) + " to " + name(to) + " #" + std::to_string(k)});
            }
            const auto result = run_command(papo_argv(i, command), 20s);
            if (result.exit_code == 0) {
                const auto j = nlohmann::json::parse(result.out, nullptr, false);
                if (!j.is_discarded() && j.contains("id")) {
                    sent.id = j["id"].get<std::string>();
                    std::lock_guard<std::mutex> lock(guard_);
                    sent_when_[sent.id] = papo::now_text();
                    sends_.push_back(std::move(sent));
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(random(20, 200)));
        }
    }

    // A device: each round a new connection (helper client id <name>~dev-<hex>, clean
    // start), a few QoS 1 publishes to papo users (one in four a post), then it is gone:
    // no outbox, no resend, no reading. A publish whose PUBACK came is accepted and must
    // reach its readers exactly once; one cut off without a PUBACK may or may not.
    void device_loop(int d, std::chrono::steady_clock::time_point end) {
        const std::string me = device(d);
        std::uint64_t counter = 0;
        for (int round = 0; std::chrono::steady_clock::now() < end && round < 10000; ++round) {
            papo::session_options login;
            login.broker = brokers_->uri_for(d);
            login.client_id = me + "~dev-" + papo::random_hex(8);
            login.username = me;
            login.password = password_of(me);
            login.timeout = 3s;
            try {
                papo::session connection(login);
                connection.connect();
                ++device_logins_;
                const int burst = random(1, 5);
                for (int k = 0; k < burst && std::chrono::steady_clock::now() < end; ++k) {
                    papo::chaos::accepted sent{me, me + "-" + std::to_string(++counter), {}, ""};
                    sent.sent_order = counter;
                    std::string topic;
                    if (random(0, 3) == 0) {
                        sent.topic = topic_;
                        for (int other = 0; other < s_.users; ++other) sent.readers.push_back(name(other));
                        topic = papo::topics::post(topic_, me);
                    } else {
                        sent.readers = {name(random(0, s_.users - 1))};
                        topic = papo::topics::inbox(sent.readers[0], me);
                    }
                    const auto payload = nlohmann::json{{"id", sent.id},
                                                        {"text", me + " device #" + std::to_string(counter)},
                                                        {"sent_at", papo::now_text()}}
                                             .dump();
                    try {
                        connection.publish(topic, payload);
                    } catch (const std::exception&) {
                        sent.acknowledged = false;  // and this device is gone: no resend
                    }
                    const bool acknowledged = sent.acknowledged;
                    {
                        std::lock_guard<std::mutex> lock(guard_);
                        sent_when_[sent.id] = papo::now_text();
                        sends_.push_back(std::move(sent));
                    }
                    if (!acknowledged) break;
                }
                try {
                    connection.disconnect();
                } catch (const std::exception&) {
                }
            } catch (const std::exception&) {
                ++device_logins_failed_;  // the broker is away: this device sends nothing
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(random(50, 300)));
        }
    }

    // Each `papo read` gets a number, named in the verdict's examples; with --keep-logs its
    // whole output (warnings included) is kept as read-<number>-<user>.txt.
    std::size_t next_run(int i, const std::string& output) {
        const std::size_t number = ++runs_;
        if (!s_.keep_logs.empty()) std::ofstream(s_.keep_logs + "/read-" + std::to_string(number) + "-" + name(i) + ".txt") << output;
        return number;
    }

    void collect(int i, const std::string& output, bool killed = false) {
        const std::size_t number = next_run(i, output);
        std::istringstream lines(output);
        std::lock_guard<std::mutex> lock(guard_);
        const std::size_t first = shows_.size();
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line[0] != '{') continue;
            const auto j = nlohmann::json::parse(line, nullptr, false);
            const std::string kind = j.is_discarded() ? "" : j.value("kind", "");
            if (kind != "dm" && kind != "post") continue;
            shows_.push_back({name(i), j.value("from", ""), j.value("id", ""), j.value("seq", std::uint64_t{0}),
                              j.value("topic", ""), j.value("maybe_repeat", false), false, number});
        }
        if (killed && shows_.size() > first) shows_.back().last_before_kill = true;
    }

    // Readers come and go; some are killed (SIGKILL) while they read.
    void read_loop(int i, std::chrono::steady_clock::time_point end) {
        while (std::chrono::steady_clock::now() < end) {
            const auto started = papo::now_text();
            papo::test::process reader(papo_argv(i, {"--json", "--resend-after", "2", "read", "--wait",
                                                     std::to_string(random(1, 3))}));
            bool killed = false;
            if (random(0, 9) < 3) {
                std::this_thread::sleep_for(std::chrono::milliseconds(random(100, 1500)));
                killed = reader.running();
                reader.kill();
                kills_ += killed;
            } else if (!reader.wait_for(60s)) {
                // A busy reader's backlog can keep it going (papo read stops after at most
                // 30 s of backlog plus its wait). Stopped here, its output is read only
                // after it has ended: what it showed meanwhile must be counted too.
                killed = reader.running();
                reader.kill();
                kills_ += killed;
            }
            collect(i, reader.output(), killed);
            std::lock_guard<std::mutex> lock(guard_);
            reads_.push_back({name(i), started, papo::now_text(), killed});
        }
    }

    // The broker is SIGKILLed at 30 % and 75 % of the run, papo-server at 50 %. Each outage
    // lasts 1 s (an outage, not a wait for something); after each broker start the run
    // waits (bounded) for papo-server's replay line, to report how long it took.
    void crash_loop(std::chrono::steady_clock::time_point start) {
        const auto at = [&](int percent) { return start + std::chrono::seconds(s_.seconds) * percent / 100; };
        std::this_thread::sleep_until(at(30));
        kill_broker(1);
        std::this_thread::sleep_until(at(50));
        event("SIGKILL papo-server");
        server_->kill();
        std::this_thread::sleep_for(1s);
        start_server();
        event("papo-server serving again");
        std::this_thread::sleep_until(at(75));
        kill_broker(2);
    }

    void kill_broker(int nth) {
        const auto before = replays_logged();
        event(brokers_->crash_name() + " (" + std::to_string(nth) + " of 2)");
        brokers_->crash();
        const auto back = std::chrono::steady_clock::now();
        event(s_.cluster ? "node " + std::to_string(s_.kill_node) + " started again (its sessions are gone)"
                          : "broker started again (same data folder)");
        if (!brokers_->announces_restarts()) return;  // readers ask users.replay themselves
        if (papo::test::wait_until([&] { return replays_logged() > before; }, 20s, 50ms)) {
            event("papo-server replayed " + ms_since(back) + " after the broker was back");
            ++replays_seen_;
        } else {
            event("papo-server logged no replay within 20 s of the broker being back");
        }
    }

    // Until every outbox is empty, a round of reads shows nothing new and papo-server
    // counts every queue empty (a replay may still be on its way) (bounded).
    void drain() {
        const auto limit = std::chrono::steady_clock::now() + 90s;
        while (std::chrono::steady_clock::now() < limit) {
            bool outboxes_empty = true;
            for (int i = 0; i < s_.users; ++i) {
                const auto box = run_command(papo_argv(i, {"--json", "--resend-after", "0", "outbox"}), 30s);
                if (box.exit_code != 0 || box.out.find("\"pending\"") != std::string::npos) outboxes_empty = false;
            }
            const std::size_t before = shows_.size();
            for (int i = 0; i < s_.users; ++i) {
                const auto read = run_command(papo_argv(i, {"--json", "read"}), 60s);
                collect(i, read.out + read.err);
            }
            if (outboxes_empty && shows_.size() == before && queues_not_empty(1) == 0) return;
            std::this_thread::sleep_for(500ms);
        }
        event("drain did not settle within 90 s");
    }

    // After the drain every queue is empty, so papo-server must count 0 everywhere
    // (its counts survived its own SIGKILL and the broker's). Polled: snapshots lag.
    int queues_not_empty(int attempts = 50) {
        int wrong = -1;
        for (int attempt = 0; attempt < attempts && wrong != 0; ++attempt) {
            const auto ls = run_command({admin_, "--broker", brokers_->admin_uri(), "--password-file",
                                         brokers_->admin_password_file(), "--json", "queues", "ls"},
                                        30s);
            const auto rows = nlohmann::json::parse(ls.out, nullptr, false);
            if (rows.is_array()) {
                wrong = 0;
                last_counts_ = rows.dump();
                for (const auto& row : rows) wrong += row.value("messages", 0) != 0;
            }
            if (wrong != 0 && attempt + 1 < attempts) std::this_thread::sleep_for(200ms);
        }
        return wrong;
    }

    // What papo-server said about broker restarts and outages (every instance of it).
    std::vector<std::string> server_log_lines(bool everything_unusual) const {
        std::istringstream log(earlier_server_logs_ + server_->output());
        std::vector<std::string> lines;
        for (std::string line; std::getline(log, line);)
            if (line.find("after the broker restart") != std::string::npos ||
                line.find("the broker restarted") != std::string::npos ||
                (everything_unusual && (line.find(" warn ") != std::string::npos || line.find(" error ") != std::string::npos ||
                                        line.find("reconnected") != std::string::npos || line.find("kept ") != std::string::npos)))
                lines.push_back(line);
        return lines;
    }

    void report(const papo::chaos::verdict& v, int miscounted) {
        std::size_t device_sent = 0, device_acknowledged = 0;
        for (const auto& sent : sends_)
            if (sent.sent_order) ++device_sent, device_acknowledged += sent.acknowledged;
        const bool ok = v.ok() && miscounted == 0;
        std::cout << "chaos run: " << s_.users << " users, " << s_.devices << " devices, " << s_.seconds << " s, seed "
                  << s_.seed << ", " << kills_.load() << " readers killed, 2 x " << brokers_->crash_name() << " ("
                  << replays_seen_.load() << " replays seen), 1 papo-server SIGKILL\n"
                  << "accepted " << v.accepted - v.unacknowledged << " messages (" << v.deliveries << " deliveries), shown "
                  << v.shown << "\n"
                  << "devices: " << device_logins_.load() << " logins (" << device_logins_failed_.load()
                  << " refused or unreachable), " << device_acknowledged << " messages acknowledged, "
                  << device_sent - device_acknowledged << " cut off without a PUBACK (" << v.unacknowledged_shown
                  << " of their deliveries shown, allowed once)\n"
                  << "lost " << v.lost << ", duplicated " << v.duplicated << ", out of order " << v.out_of_order
                  << ", unexpected " << v.unexpected << (v.ok() ? "  OK\n" : "  FAILED\n")
                  << "shown again, marked as a possible repeat, because a reader was killed while showing it: "
                  << v.marked_repeats << "\n"
                  << "device messages (no seq) shown after a later one of the same device, which papo does not promise: "
                  << v.unsequenced_out_of_order << "\n"
                  << "queues papo-server counts as not empty after the drain: " << miscounted
                  << (miscounted == 0 ? "  OK\n" : "  FAILED\n");
        for (const auto& e : v.examples) std::cout << "  " << e << "\n";
        for (const auto& e : v.unsequenced_examples) std::cout << "  (not a failure) " << e << "\n";
        if (!v.lost_deliveries.empty()) {
            // When each lost one was sent, and its reader's runs that ended after that: a
            // reader SIGKILLed with it taken from the broker but not yet shown, or not.
            std::cout << "lost deliveries (" << v.lost_deliveries.size() << "), each with the reads of its reader that followed:\n";
            std::size_t listed = 0;
            for (const auto& [id, reader] : v.lost_deliveries) {
                if (++listed > 60) break;
                const auto& sent = sent_when_[id];
                std::cout << "  " << id << " -> " << reader << " sent " << sent << ";";
                int shown_runs = 0;
                for (const auto& later : reads_)
                    if (later.reader == reader && later.ended >= sent && shown_runs++ < 2)
                        std::cout << " read " << later.started << ".." << later.ended << (later.killed ? " SIGKILLed" : " ended");
                std::cout << "\n";
            }
        }
        if (miscounted != 0) std::cout << "  counts: " << last_counts_ << "\n";
        std::cout << "timeline (UTC):\n";
        for (const auto& line : timeline_) std::cout << "  " << line << "\n";
        std::cout << "papo-server:\n";
        for (const auto& line : server_log_lines(!ok)) std::cout << "  " << line << "\n";
        if (!ok) brokers_->print_log_tail(std::cout, 40);
        if (!s_.keep_logs.empty()) {
            std::ofstream(s_.keep_logs + "/broker.log") << brokers_->log_text();
            std::ofstream(s_.keep_logs + "/papo-server.log") << earlier_server_logs_ << server_->output();
        }
        if (!s_.json_file.empty())
            std::ofstream(s_.json_file) << nlohmann::json{{"users", s_.users}, {"devices", s_.devices}, {"seconds", s_.seconds},
                                                          {"seed", s_.seed}, {"readers_killed", kills_.load()},
                                                          {"broker", s_.cluster ? "ejabberd cluster" : "mosquitto"},
                                                          {"broker_kills", 2}, {"replays_seen", replays_seen_.load()},
                                                          {"accepted", v.accepted - v.unacknowledged}, {"deliveries", v.deliveries},
                                                          {"device_logins", device_logins_.load()},
                                                          {"device_logins_failed", device_logins_failed_.load()},
                                                          {"device_acknowledged", device_acknowledged},
                                                          {"device_unacknowledged", v.unacknowledged},
                                                          {"device_unacknowledged_shown", v.unacknowledged_shown},
                                                          {"shown", v.shown}, {"lost", v.lost}, {"duplicated", v.duplicated},
                                                          {"out_of_order", v.out_of_order}, {"unexpected", v.unexpected},
                                                          {"device_out_of_order_not_promised", v.unsequenced_out_of_order},
                                                          {"miscounted_queues", miscounted},
                                                          {"marked_repeats", v.marked_repeats},
                                                          {"examples", v.examples}, {"timeline", timeline_}}
                                                   .dump(2)
                                        << "\n";
    }

    settings s_;
    std::mt19937 rng_;
    std::string dir_, papo_, admin_, server_bin_;
    const std::string topic_ = "chaos";
    std::string cluster_dir_;  // --cluster: the nodes' folders
    std::unique_ptr<papo::chaos::brokers> brokers_;
    std::unique_ptr<papo::test::process> server_;
    std::mutex guard_;
    std::vector<papo::chaos::accepted> sends_;
    std::vector<papo::chaos::shown> shows_;
    std::atomic<int> kills_{0};
    std::atomic<bool> crash_failed_{false};
    std::atomic<std::size_t> runs_{0};
    std::atomic<int> device_logins_{0}, device_logins_failed_{0}, replays_seen_{0};
    std::vector<std::string> timeline_;
    std::map<std::string, std::string> sent_when_;  // id -> when it was accepted (UTC)
    struct read_run {
        std::string reader, started, ended;  // UTC
        bool killed = false;
    };
    std::vector<read_run> reads_;  // every `papo read` of the traffic phase
    std::string earlier_server_logs_;  // the output of papo-servers since replaced
    const std::string replay_line_ = "after the broker restart: remade";
    std::string last_counts_;
};

}  // namespace

int main(int argc, char** argv) {
    settings s;
    s.seed = static_cast<unsigned>(std::random_device{}());
    po::options_description options("papo-chaos options");
    options.add_options()("help,h", "show this help")("users", po::value(&s.users)->default_value(8), "users, each sending and reading")(
        "devices", po::value(&s.devices)->default_value(3), "device senders (plain MQTT, no outbox, never read)")(
        "seconds", po::value(&s.seconds)->default_value(25), "length of the traffic phase")(
        "seed", po::value(&s.seed), "random seed (printed, to repeat a run)")(
        "json", po::value(&s.json_file), "also write the verdict to this JSON file")(
        "broker-config", po::value(&s.broker_config)->composing(),
        "an extra mosquitto.conf line for the run's broker (repeatable), e.g. 'log_type all' to trace a loss")(
        "keep-logs", po::value(&s.keep_logs), "write broker.log and papo-server.log into this existing folder")(
        "cluster", po::bool_switch(&s.cluster),
        "run on a 2-node ejabberd cluster (scripts/ejabberd-cluster.sh; needs root and ejabberd): users on both "
        "nodes, node 2 SIGKILLed twice")(
        "kill-node", po::value(&s.kill_node)->default_value(2),
        "with --cluster: the node to SIGKILL (1 is also papo-server's: see docs/reliability.md)");
    try {
        po::variables_map values;
        po::store(po::parse_command_line(argc, argv, options), values);
        po::notify(values);
        if (values.count("help")) {
            std::cout << "Usage: papo-chaos [options]\n\n" << options;
            return 0;
        }
        if (s.kill_node != 1 && s.kill_node != 2) throw std::runtime_error("--kill-node is 1 or 2");
        if (s.users < 2 || s.seconds < 5 || s.devices < 0) throw std::runtime_error("at least 2 users, 5 seconds, 0 devices");
        return run(s).go();
    } catch (const std::exception& e) {
        std::cerr << "papo-chaos: FAILED: " << e.what() << "\n";
        return 2;
    }
}
