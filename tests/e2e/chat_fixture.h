#pragma once
// End-to-end fixture: a real mosquitto, the real papo-server, and the real papo
// and papo-admin executables (paths from CTest's environment).
#include "broker.h"
#include "files.h"
#include "process.h"
#include "wait.h"

#include "papo/session.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace papo::e2e {

using test::command_result;
using test::env_or;
using test::make_temp_dir;
using test::remove_tree;
using test::wait_until;
using background_process = test::process;
using mosquitto_broker = test::broker;

inline command_result run_command(const std::vector<std::string>& argv, int timeout_seconds) {
    return test::run_command(argv, std::chrono::seconds(timeout_seconds));
}

class chat_test : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // papo --broker <uri> --state-dir <tmp> --user USER args...
    command_result papo(const std::string& user, std::vector<std::string> args, int timeout_seconds = 30);
    // papo-admin --broker <uri> args...
    command_result admin(std::vector<std::string> args, int timeout_seconds = 30);
    // `papo --user USER read --json --wait SECONDS` in the background.
    std::unique_ptr<background_process> start_reader(const std::string& user, int wait_seconds);
    // Creates users (papo-admin users add, password from password_file) and checks each succeeded.
    void register_users(const std::vector<std::string>& names);
    // The 0600 file with `user`'s password ("password-of-<user>"), made on first use.
    std::string password_file(const std::string& user);
    // mosquitto_pub / mosquitto_sub arguments that log in as `user` (papo-server,
    // papo-admin or a user) with client id `client_id`, on the test broker.
    std::vector<std::string> mqtt_login(const std::string& user, const std::string& client_id);
    // papo::session options that log in as `user` with client id `client_id`.
    session_options login_options(const std::string& user, const std::string& client_id);
    // argv of `program` (mosquitto_pub / mosquitto_sub) logged in as mqtt_login says, then `rest`.
    std::vector<std::string> mqtt_tool(const char* program, const std::string& user, const std::string& client_id,
                                       const std::vector<std::string>& rest);

    // `mosquitto_sub` logged in as mqtt_login says, with `rest` (-v, -t, -W, -C ...), in
    // the background; returned once the broker has answered its SUBSCRIBE, so that
    // whatever the test publishes next can reach it. received() is what it printed
    // without its debug lines (it runs with -d, line-buffered, to say when it subscribed).
    std::unique_ptr<background_process> start_subscriber(const std::string& user, const std::string& client_id,
                                                         const std::vector<std::string>& rest);
    static std::string received(const background_process& subscriber);

    // papo-server --state-dir: inside this test's temporary folder, kept across start_server()s.
    std::string server_state_dir() const { return state_dir_ + "/papo-server"; }
    // launch_server(), then wait_until_serving().
    void start_server();
    // papo-server in the background, without waiting for it.
    void launch_server();
    // Until papo-server says it serves (it has loaded the registry and subscribed), bounded: 30 s.
    void wait_until_serving();
    void stop_server();
    // Until papo-server answers a request again (after a broker outage it reconnects with
    // backoff, and a papo that asks before then queues what it sends); bounded: 30 s.
    bool wait_until_server_answers();
    // Until papo-server counts `user` online (its presence: a `read` or chat has
    // connected), per papo-admin users ls; bounded: 30 s.
    bool wait_until_online(const std::string& user);
    // The message count of `queue` in `papo-admin --json queues ls`; -1 if absent.
    int queue_depth(const std::string& queue);
    // The names `papo-admin users ls` lists, sorted, once papo-server answers (bounded: 40 s).
    std::vector<std::string> listed_users();
    // Polls queue_depth until it equals `expected` (bounded by 10 s); returns the last value.
    int settled_depth(const std::string& queue, int expected);
    // The messages (kind dm or post) among the JSON lines `papo read --json` printed.
    static std::vector<nlohmann::json> messages_in(const std::string& json_lines);

    std::unique_ptr<mosquitto_broker> broker_;
    // papo_guard options over the project's (broker.h), set in a fixture's
    // constructor: bulk() for tests that load thousands of messages at once.
    std::vector<std::string> guard_options_;
    // mosquitto.conf lines over the project's (later lines win), set in a constructor.
    std::vector<std::string> broker_lines_;
    // Also no queue limit in papo-server (default 10,000 waiting).
    void bulk() {
        guard_options_ = {"publish_rate 0", "request_rate 0"};
        server_options_.insert(server_options_.end(), {"--max-waiting-messages", "0", "--max-waiting-bytes", "0"});
    }
    // The password of a user (password_file) or of papo-server / papo-admin.
    std::string password_of(const std::string& user);
    std::unique_ptr<background_process> server_;
    // More papo-server options for start_server(); a fixture sets them in its constructor.
    std::vector<std::string> server_options_;
    std::string state_dir_;
};

}  // namespace papo::e2e
