// papo-chaos: a bounded soak run against a real broker (the project's configuration,
// accounts on) with real papo processes: users send each other DMs and post to a
// topic they all joined, and read, while readers are killed at random, the broker is
// SIGKILLed once and papo-server once. Then everything is drained, and checker.h counts lost, duplicated,
// out-of-order and unexpected messages. Exit status 0 only when all four are 0.
#include "checker.h"

#include "broker.h"
#include "files.h"
#include "process.h"

#include "papo/credentials.h"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
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
    int seconds = 25;
    unsigned seed = 0;
    std::string json_file;
};

class run {
public:
    explicit run(const settings& s)
        : s_(s), rng_(s.seed), dir_(papo::test::make_temp_dir("papo-chaos")),
          papo_(papo::test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT)),
          admin_(papo::test::env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT)),
          server_bin_(papo::test::env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT)) {}
    ~run() { papo::test::remove_tree(dir_); }

    int go() {
        setup();
        const auto start = std::chrono::steady_clock::now();
        const auto end = start + std::chrono::seconds(s_.seconds);
        std::vector<std::thread> threads;
        for (int i = 0; i < s_.users; ++i) {
            threads.emplace_back([this, i, end] { send_loop(i, end); });
            threads.emplace_back([this, i, end] { read_loop(i, end); });
        }
        threads.emplace_back([this, start] { crash_loop(start); });
        for (auto& t : threads) t.join();
        say("traffic over: " + std::to_string(sends_.size()) + " accepted sends; draining");
        drain();
        const auto v = papo::chaos::check(sends_, shows_);
        const int miscounted = queues_not_empty();
        report(v, miscounted);
        return v.ok() && miscounted == 0 ? 0 : 1;
    }

private:
    std::string name(int i) const { return "c" + std::to_string(i); }
    std::string password_file(int i) const { return dir_ + "/" + name(i) + ".password"; }
    std::vector<std::string> papo_argv(int i, std::vector<std::string> rest) const {
        std::vector<std::string> argv{papo_, "--broker", broker_->uri(), "--user", name(i), "--password-file",
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
        server_ = std::make_unique<papo::test::process>(std::vector<std::string>{
            server_bin_, "--broker", broker_->uri(), "--password-file", broker_->password_file("papo-server"),
            "--state-dir", dir_ + "/papo-server"});  // the same folder after its SIGKILL
        for (int i = 0; i < 400 && server_->output().find("serving") == std::string::npos; ++i)
            std::this_thread::sleep_for(25ms);
    }

    void setup() {
        broker_ = std::make_unique<papo::test::broker>();
        start_server();
        for (int i = 0; i < s_.users; ++i) {
            papo::write_secret_file(password_file(i), "password-of-" + name(i));
            const auto added = run_command({admin_, "--broker", broker_->uri(), "--password-file",
                                            broker_->password_file("papo-admin"), "users", "add", name(i),
                                            "--new-password-file", password_file(i)},
                                           30s);
            if (added.exit_code != 0) throw std::runtime_error("cannot create " + name(i) + ": " + added.err);
        }
        const auto topic = run_command({admin_, "--broker", broker_->uri(), "--password-file",
                                        broker_->password_file("papo-admin"), "topics", "add", topic_},
                                       30s);
        if (topic.exit_code != 0) throw std::runtime_error("cannot create #" + topic_ + ": " + topic.err);
        for (int i = 0; i < s_.users; ++i) {
            const auto joined = run_command(papo_argv(i, {"join", topic_}), 30s);
            if (joined.exit_code != 0) throw std::runtime_error(name(i) + " cannot join: " + joined.err);
        }
        // A clean restart writes the accounts' sessions and the registry to disk: the
        // SIGKILL below then tests messages, not users created seconds before it.
        broker_->stop();
        broker_->start();
        std::this_thread::sleep_for(1500ms);  // papo-server reconnects
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
                    sends_.push_back(std::move(sent));
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(random(20, 200)));
        }
    }

    void collect(int i, const std::string& output, bool killed = false) {
        std::istringstream lines(output);
        std::lock_guard<std::mutex> lock(guard_);
        const std::size_t first = shows_.size();
        for (std::string line; std::getline(lines, line);) {
            if (line.empty() || line[0] != '{') continue;
            const auto j = nlohmann::json::parse(line, nullptr, false);
            const std::string kind = j.is_discarded() ? "" : j.value("kind", "");
            if (kind != "dm" && kind != "post") continue;
            shows_.push_back({name(i), j.value("from", ""), j.value("id", ""), j.value("seq", std::uint64_t{0}),
                              j.value("topic", ""), j.value("maybe_repeat", false)});
        }
        if (killed && shows_.size() > first) shows_.back().last_before_kill = true;
    }

    // Readers come and go; some are killed (SIGKILL) while they read.
    void read_loop(int i, std::chrono::steady_clock::time_point end) {
        while (std::chrono::steady_clock::now() < end) {
            papo::test::process reader(papo_argv(i, {"--json", "--resend-after", "2", "read", "--wait",
                                                     std::to_string(random(1, 3))}));
            bool killed = false;
            if (random(0, 9) < 3) {
                std::this_thread::sleep_for(std::chrono::milliseconds(random(100, 1500)));
                killed = reader.running();
                reader.kill();
                kills_ += killed;
            } else {
                reader.wait_for(20s);
            }
            collect(i, reader.output(), killed);
        }
    }

    void crash_loop(std::chrono::steady_clock::time_point start) {
        std::this_thread::sleep_until(start + std::chrono::seconds(s_.seconds) * 35 / 100);
        say("SIGKILL broker");
        broker_->kill();
        std::this_thread::sleep_for(1s);
        broker_->start();
        std::this_thread::sleep_until(start + std::chrono::seconds(s_.seconds) * 65 / 100);
        say("SIGKILL papo-server");
        server_->kill();
        std::this_thread::sleep_for(1s);
        start_server();
    }

    // Until every outbox is empty and a round of reads shows nothing new (bounded).
    void drain() {
        const auto limit = std::chrono::steady_clock::now() + 90s;
        while (std::chrono::steady_clock::now() < limit) {
            bool outboxes_empty = true;
            for (int i = 0; i < s_.users; ++i) {
                const auto box = run_command(papo_argv(i, {"--json", "--resend-after", "0", "outbox"}), 30s);
                if (box.exit_code != 0 || box.out.find("\"pending\"") != std::string::npos) outboxes_empty = false;
            }
            const std::size_t before = shows_.size();
            for (int i = 0; i < s_.users; ++i) collect(i, run_command(papo_argv(i, {"--json", "read"}), 60s).out);
            if (outboxes_empty && shows_.size() == before) return;
            std::this_thread::sleep_for(500ms);
        }
        say("drain did not settle within 90 s");
    }

    // After the drain every queue is empty, so papo-server must count 0 everywhere
    // (its counts survived its own SIGKILL and the broker's). Polled: snapshots lag.
    int queues_not_empty() {
        int wrong = -1;
        for (int attempt = 0; attempt < 50 && wrong != 0; ++attempt) {
            const auto ls = run_command({admin_, "--broker", broker_->uri(), "--password-file",
                                         broker_->password_file("papo-admin"), "--json", "queues", "ls"},
                                        30s);
            const auto rows = nlohmann::json::parse(ls.out, nullptr, false);
            if (rows.is_array()) {
                wrong = 0;
                last_counts_ = rows.dump();
                for (const auto& row : rows) wrong += row.value("messages", 0) != 0;
            }
            if (wrong != 0) std::this_thread::sleep_for(200ms);
        }
        return wrong;
    }

    void report(const papo::chaos::verdict& v, int miscounted) {
        std::cout << "chaos run: " << s_.users << " users, " << s_.seconds << " s, seed " << s_.seed << ", "
                  << kills_.load() << " readers killed, 1 broker SIGKILL, 1 papo-server SIGKILL\n"
                  << "accepted " << v.accepted << " messages (" << v.deliveries << " deliveries), shown " << v.shown << "\n"
                  << "lost " << v.lost << ", duplicated " << v.duplicated << ", out of order " << v.out_of_order
                  << ", unexpected " << v.unexpected << (v.ok() ? "  OK\n" : "  FAILED\n")
                  << "shown again, marked as a possible repeat, because a reader was killed while showing it: "
                  << v.marked_repeats << "\n"
                  << "queues papo-server counts as not empty after the drain: " << miscounted
                  << (miscounted == 0 ? "  OK\n" : "  FAILED\n");
        for (const auto& e : v.examples) std::cout << "  " << e << "\n";
        if (miscounted != 0) std::cout << "  counts: " << last_counts_ << "\n";
        if (!s_.json_file.empty())
            std::ofstream(s_.json_file) << nlohmann::json{{"users", s_.users}, {"seconds", s_.seconds}, {"seed", s_.seed},
                                                          {"readers_killed", kills_.load()}, {"accepted", v.accepted}, {"deliveries", v.deliveries},
                                                          {"shown", v.shown}, {"lost", v.lost}, {"duplicated", v.duplicated},
                                                          {"out_of_order", v.out_of_order}, {"unexpected", v.unexpected},
                                                          {"miscounted_queues", miscounted},
                                                          {"marked_repeats", v.marked_repeats},
                                                          {"examples", v.examples}}
                                                   .dump(2)
                                        << "\n";
    }

    settings s_;
    std::mt19937 rng_;
    std::string dir_, papo_, admin_, server_bin_;
    const std::string topic_ = "chaos";
    std::unique_ptr<papo::test::broker> broker_;
    std::unique_ptr<papo::test::process> server_;
    std::mutex guard_;
    std::vector<papo::chaos::accepted> sends_;
    std::vector<papo::chaos::shown> shows_;
    std::atomic<int> kills_{0};
    std::string last_counts_;
};

}  // namespace

int main(int argc, char** argv) {
    settings s;
    s.seed = static_cast<unsigned>(std::random_device{}());
    po::options_description options("papo-chaos options");
    options.add_options()("help,h", "show this help")("users", po::value(&s.users)->default_value(8), "users, each sending and reading")(
        "seconds", po::value(&s.seconds)->default_value(25), "length of the traffic phase")(
        "seed", po::value(&s.seed), "random seed (printed, to repeat a run)")(
        "json", po::value(&s.json_file), "also write the verdict to this JSON file");
    try {
        po::variables_map values;
        po::store(po::parse_command_line(argc, argv, options), values);
        po::notify(values);
        if (values.count("help")) {
            std::cout << "Usage: papo-chaos [options]\n\n" << options;
            return 0;
        }
        if (s.users < 2 || s.seconds < 5) throw std::runtime_error("at least 2 users and 5 seconds");
        return run(s).go();
    } catch (const std::exception& e) {
        std::cerr << "papo-chaos: FAILED: " << e.what() << "\n";
        return 2;
    }
}
