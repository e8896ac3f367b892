#include "brokers.h"

#include "broker.h"
#include "files.h"
#include "process.h"

#include <chrono>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace papo::chaos {
namespace {

using namespace std::chrono_literals;

class mosquitto : public brokers {
public:
    explicit mosquitto(const std::vector<std::string>& extra) : broker_(extra) {}
    std::string uri_for(int) const override { return broker_.uri(); }
    std::string admin_uri() const override { return broker_.uri(); }
    std::string admin_password_file() const override { return broker_.password_file("papo-admin"); }
    std::vector<std::string> server_options() const override {
        return {"--broker", broker_.uri(), "--password-file", broker_.password_file("papo-server")};
    }
    bool announces_restarts() const override { return true; }
    std::string crash_name() const override { return "SIGKILL broker"; }
    void crash() override {
        broker_.kill();
        std::this_thread::sleep_for(1s);  // an outage, not a wait for something
        broker_.start();
    }
    void restart_cleanly() override {
        broker_.stop();
        broker_.start();
    }
    void print_log_tail(std::ostream& out, std::size_t lines) const override { broker_.print_log_tail(out, lines); }
    std::string log_text() const override { return broker_.log_text(); }

private:
    test::broker broker_;
};

class ejabberd_cluster : public brokers {
public:
    ejabberd_cluster(std::string folder, int victim)
        : dir_(std::move(folder)), victim_(std::to_string(victim)),
          script_(test::env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT) + "/scripts/ejabberd-cluster.sh") {
        const auto started = run("start");
        if (started.exit_code != 0) throw std::runtime_error("cannot start the ejabberd cluster:\n" + started.err);
        std::istringstream lines(started.out);
        for (std::string line; std::getline(lines, line);)
            if (const auto eq = line.find('='); eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
        for (const char* key : {"MQTT1_PORT", "MQTT2_PORT", "API1_URL", "API2_URL", "API_PASSWORD_FILE", "PAPO_SERVER_PASSWORD_FILE",
                                "PAPO_ADMIN_PASSWORD_FILE"})
            if (!env_.count(key)) throw std::runtime_error(std::string("ejabberd-cluster.sh start printed no ") + key);
    }
    ~ejabberd_cluster() override { run("stop"); }

    // Even numbers on node 1, odd on node 2; each always on the same node (a session that
    // moves between nodes within a second can be destroyed by ejabberd 23.01).
    std::string uri_for(int index) const override { return node(index % 2 == 0 ? 1 : 2); }
    std::string admin_uri() const override { return node(1); }
    std::string admin_password_file() const override { return env_.at("PAPO_ADMIN_PASSWORD_FILE"); }
    std::vector<std::string> server_options() const override {
        return {"--broker", node(1), "--other-broker", node(2), "--password-file", env_.at("PAPO_SERVER_PASSWORD_FILE"),
                "--ejabberd-api", env_.at("API1_URL"), "--ejabberd-api", env_.at("API2_URL"),
                "--ejabberd-api-password-file", env_.at("API_PASSWORD_FILE")};
    }
    bool announces_restarts() const override { return false; }
    std::string crash_name() const override { return "SIGKILL ejabberd node " + victim_; }
    void crash() override {
        const auto killed = run("kill", victim_);
        if (killed.exit_code != 0) throw std::runtime_error("cannot kill node " + victim_ + ": " + killed.err);
        std::this_thread::sleep_for(1s);  // an outage, not a wait for something
        const auto back = run("restart-node", victim_);
        if (back.exit_code != 0) throw std::runtime_error("node " + victim_ + " did not come back: " + back.err);
    }
    void restart_cleanly() override {}  // ejabberd keeps accounts on disc at once, sessions never
    void print_log_tail(std::ostream& out, std::size_t lines) const override {
        for (const char* logs : {"LOGS1", "LOGS2"}) {
            if (!env_.count(logs)) continue;
            out << "---- " << env_.at(logs) << "/ejabberd.log (tail) ----\n";
            const auto tail = test::run_command({"tail", "-n", std::to_string(lines), env_.at(logs) + "/ejabberd.log"}, 10s);
            out << tail.out;
        }
    }
    std::string log_text() const override {
        std::string text;
        for (const char* logs : {"LOGS1", "LOGS2"})
            if (env_.count(logs)) text += "==== " + env_.at(logs) + " ====\n" + test::read_file(env_.at(logs) + "/ejabberd.log");
        return text;
    }

private:
    std::string node(int n) const { return "tcp://127.0.0.1:" + env_.at(n == 1 ? "MQTT1_PORT" : "MQTT2_PORT"); }
    test::command_result run(const std::string& command, const std::string& extra = "") const {
        std::vector<std::string> argv{"bash", script_, command, dir_};
        if (!extra.empty()) argv.push_back(extra);
        return test::run_command(argv, 120s);
    }
    std::string dir_, victim_, script_;
    std::map<std::string, std::string> env_;
};

}  // namespace

std::unique_ptr<brokers> start_mosquitto(const std::vector<std::string>& extra_config) {
    return std::make_unique<mosquitto>(extra_config);
}

std::unique_ptr<brokers> start_ejabberd_cluster(const std::string& folder, int victim) {
    return std::make_unique<ejabberd_cluster>(folder, victim);
}

}  // namespace papo::chaos
