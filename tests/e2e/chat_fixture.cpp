#include "chat_fixture.h"

#include "papo_output.h"

#include "papo/credentials.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

namespace papo::e2e {

void chat_test::SetUp() {
    broker_ = std::make_unique<mosquitto_broker>(broker_lines_, mosquitto_broker::access::project,
                                                 guard_options_);
    state_dir_ = make_temp_dir("papo-state");
    // papo and papo-admin read a config file and stored logins from here: never the real home's.
    ::setenv("XDG_CONFIG_HOME", (state_dir_ + "/config").c_str(), 1);
    start_server();
}

void chat_test::TearDown() {
    if (HasFailure() && broker_) {
        if (server_) std::cerr << "---- papo-server output ----\n" << server_->output();
        const std::string log = broker_->log_text();
        std::cerr << "---- broker log (tail) ----\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
    }
    server_.reset();
    broker_.reset();
    remove_tree(state_dir_);
}

void chat_test::start_server() {
    launch_server();
    wait_until_serving();
}

void chat_test::launch_server() {
    std::vector<std::string> argv{env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", broker_->uri(),
                                  "--password-file", broker_->password_file("papo-server"), "--state-dir",
                                  server_state_dir()};
    argv.insert(argv.end(), server_options_.begin(), server_options_.end());
    server_ = std::make_unique<background_process>(argv);
}

void chat_test::wait_until_serving() {
    if (!server_->wait_for_output("papo-server serving", std::chrono::seconds(30)))
        FAIL() << "papo-server did not come up:\n" << server_->output();
}

bool chat_test::wait_until_server_answers() {
    return wait_until([this] { return admin({"--timeout", "1", "users", "ls"}, 10).exit_code == 0; });
}

bool chat_test::wait_until_online(const std::string& user) {
    return wait_until([&] {
        const auto listed = admin({"--json", "users", "ls"}, 10);
        if (listed.exit_code != 0) return false;
        for (const auto& row : nlohmann::json::parse(listed.out))
            if (row.at("name") == user) return row.at("online").get<bool>();
        return false;
    });
}

std::unique_ptr<background_process> chat_test::start_subscriber(const std::string& user, const std::string& client_id,
                                                                const std::vector<std::string>& rest) {
    // mosquitto_sub prints nothing when it has subscribed, except with -d, and then only
    // once stdout is flushed: stdbuf makes that every line.
    auto argv = mqtt_tool("mosquitto_sub", user, client_id, rest);
    argv.insert(argv.begin(), {"stdbuf", "-oL"});
    argv.push_back("-d");
    auto subscriber = std::make_unique<background_process>(argv);
    if (!subscriber->wait_for_output("Subscribed (mid:"))
        ADD_FAILURE() << "mosquitto_sub as " << user << " did not subscribe:\n" << subscriber->output();
    return subscriber;
}

std::string chat_test::received(const background_process& subscriber) {
    std::istringstream lines(subscriber.output());
    std::string out;
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("Client ", 0) != 0 && line.rfind("Subscribed (mid:", 0) != 0) out += line + "\n";
    return out;
}

void chat_test::stop_server() {
    if (server_) server_->stop();
}

command_result chat_test::papo(const std::string& user, std::vector<std::string> args, int timeout_seconds) {
    std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_};
    if (!user.empty()) argv.insert(argv.end(), {"--user", user, "--password-file", password_file(user)});
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout_seconds);
}

command_result chat_test::admin(std::vector<std::string> args, int timeout_seconds) {
    std::vector<std::string> argv{env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT), "--broker", broker_->uri(),
                                  "--password-file", broker_->password_file("papo-admin")};
    argv.insert(argv.end(), args.begin(), args.end());
    // Accounts made or reset here get the user's password_file.
    for (std::size_t i = 1; i + 1 < args.size(); ++i)
        if ((args[i - 1] == "users" || args[i - 1] == "queues") && (args[i] == "add" || args[i] == "passwd") &&
            std::find(args.begin(), args.end(), "--new-password-file") == args.end())
            argv.insert(argv.end(), {"--new-password-file", password_file(args[i + 1])});
    return run_command(argv, timeout_seconds);
}

std::unique_ptr<background_process> chat_test::start_reader(const std::string& user, int wait_seconds) {
    return std::make_unique<background_process>(std::vector<std::string>{
        env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_, "--user", user,
        "--password-file", password_file(user), "read", "--json", "--wait", std::to_string(wait_seconds)});
}

void chat_test::register_users(const std::vector<std::string>& names) {
    for (const auto& name : names) {
        const auto result = admin({"users", "add", name, "--new-password-file", password_file(name)});
        ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
    }
}

std::string chat_test::password_file(const std::string& user) {
    std::string file_name;
    for (const unsigned char c : user) file_name += std::isalnum(c) ? static_cast<char>(c) : '_';
    const std::string path = state_dir_ + "/" + file_name + "-" + std::to_string(std::hash<std::string>{}(user)) + ".password";
    static std::mutex guard;  // tests call this from several threads at once
    std::lock_guard<std::mutex> lock(guard);
    if (test::read_file(path).empty()) papo::write_secret_file(path, "password-of-" + user);
    return path;
}

std::string chat_test::password_of(const std::string& user) {
    const bool service = user == "papo-server" || user == "papo-admin";
    std::string password = test::read_file(service ? broker_->password_file(user) : password_file(user));
    while (!password.empty() && password.back() == '\n') password.pop_back();
    return password;
}

std::vector<std::string> chat_test::mqtt_login(const std::string& user, const std::string& client_id) {
    return {"-V", "5", "-p", std::to_string(broker_->port()), "-u", user, "-P", password_of(user), "-i", client_id};
}

session_options chat_test::login_options(const std::string& user, const std::string& client_id) {
    session_options options;
    options.broker = broker_->uri();
    options.client_id = client_id;
    options.username = user;
    options.password = password_of(user);
    return options;
}

std::vector<std::string> chat_test::mqtt_tool(const char* program, const std::string& user, const std::string& client_id,
                                              const std::vector<std::string>& rest) {
    auto argv = mqtt_login(user, client_id);
    argv.insert(argv.begin(), program);
    argv.insert(argv.end(), rest.begin(), rest.end());
    return argv;
}

int chat_test::queue_depth(const std::string& queue) {
    const auto result = admin({"--json", "queues", "ls"});
    if (result.exit_code != 0) return -1;
    for (const auto& row : nlohmann::json::parse(result.out))
        if (row.at("name") == queue) return row.at("messages").get<int>();
    return -1;
}

int chat_test::settled_depth(const std::string& queue, int expected) {
    int depth = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        depth = queue_depth(queue);
        if (depth == expected) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return depth;
}

std::vector<nlohmann::json> chat_test::messages_in(const std::string& json_lines) { return test::messages_in(json_lines); }

std::vector<std::string> chat_test::listed_users() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto listed = admin({"--json", "users", "ls"}, 10);
        if (listed.exit_code == 0) {
            std::vector<std::string> names;
            for (const auto& row : nlohmann::json::parse(listed.out)) names.push_back(row.at("name"));
            std::sort(names.begin(), names.end());
            return names;
        }
    }
    ADD_FAILURE() << "papo-server did not answer users ls\n" << (server_ ? server_->output() : "");
    return {};
}

}  // namespace papo::e2e
