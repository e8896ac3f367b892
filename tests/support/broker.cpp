#include "broker.h"

#include "broker_config.h"
#include "files.h"
#include "ports.h"

#include "papo/server/broker_security.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#ifndef PAPO_SOURCE_DIR_DEFAULT
#define PAPO_SOURCE_DIR_DEFAULT ""
#endif
#ifndef PAPO_GUARD_PLUGIN_DEFAULT
#define PAPO_GUARD_PLUGIN_DEFAULT ""
#endif

namespace papo::test {
namespace {

constexpr auto start_timeout = std::chrono::seconds(5);
constexpr int start_attempts = 3;  // another process may take our free port before mosquitto binds it

}  // namespace

std::string source_dir() { return env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT); }

std::string mosquitto_program() {
    const std::string chosen = env_or("PAPO_MOSQUITTO", "");
    if (!chosen.empty()) return chosen;
    const std::string on_path = find_program("mosquitto");
    return on_path.empty() ? "/usr/sbin/mosquitto" : on_path;
}

broker::broker(std::vector<std::string> extra_config, access mode, std::vector<std::string> guard_options)
    : extra_config_(std::move(extra_config)),
      mode_(mode),
      guard_options_(std::move(guard_options)),
      dir_(make_temp_dir("papo-broker")) {
    try {
        if (mode_ == access::project)
            broker_security::bootstrap(dir_ + "/dynamic-security.json", dir_);
        std::string failure;
        for (int attempt = 0; attempt < start_attempts; ++attempt) {
            port_ = free_loopback_port();
            write_config();
            if (try_start(failure)) return;
        }
        throw std::runtime_error(failure);
    } catch (...) {
        mosquitto_.reset();
        remove_tree(dir_);
        throw;
    }
}

broker::~broker() {
    stop();
    if (::testing::Test::HasFailure()) print_log_tail(std::cerr);
    remove_tree(dir_);
}

int broker::pid() const { return mosquitto_ ? mosquitto_->pid() : -1; }

void broker::write_config() {
    const std::string project_file = source_dir() + "/mosquitto.conf";
    const std::string project = read_file(project_file);
    if (project.empty())
        throw std::runtime_error("cannot read the project's broker configuration " + project_file +
                                 " (set PAPO_SOURCE_DIR to the source folder)");
    broker_settings settings;
    settings.port = port_;
    settings.dir = dir_;
    settings.source_dir = source_dir();
    settings.as_root = ::geteuid() == 0;
    settings.extra_lines = extra_config_;
    settings.guard_options = guard_options_;
    settings.open = mode_ == access::open;
    settings.guard_plugin = env_or("PAPO_GUARD_PLUGIN", PAPO_GUARD_PLUGIN_DEFAULT);
    std::ofstream(config_path(), std::ios::trunc) << derive_broker_config(project, settings);
}

bool broker::try_start(std::string& failure) {
    mosquitto_ = std::make_unique<process>(std::vector<std::string>{mosquitto_program(), "-c", config_path()},
                                           dir_ + "/mosquitto.out");
    const auto deadline = std::chrono::steady_clock::now() + start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!mosquitto_->running()) break;
        // Accepting alone could be someone else on a port that was taken from us.
        if (port_accepts(port_) && mosquitto_->running()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const bool exited = !mosquitto_->running();
    const int exit_code = mosquitto_->kill();
    failure = mosquitto_program() + " did not start on port " + std::to_string(port_) + ": " +
              (exited ? "it exited with code " + std::to_string(exit_code)
                      : "no answer within " + std::to_string(start_timeout.count()) + " s") +
              "\n--- its output ---\n" + tail(output(), 30) + "--- its log ---\n" + tail(log_text(), 30);
    return false;
}

void broker::start() {
    if (running()) return;
    std::string failure;
    if (!try_start(failure)) throw std::runtime_error(failure);
}

void broker::stop() {
    if (mosquitto_) mosquitto_->stop();
}

void broker::kill() {
    if (mosquitto_) mosquitto_->kill();
}

bool broker::running() { return mosquitto_ && mosquitto_->running(); }

std::string broker::database_path() const { return dir_ + "/mosquitto.db"; }

std::string broker::log_text() const { return read_file(dir_ + "/mosquitto.log"); }

std::string broker::output() const { return read_file(dir_ + "/mosquitto.out"); }

void broker::print_log_tail(std::ostream& out, std::size_t lines) const {
    out << "--- mosquitto on port " << port_ << ": last lines of " << dir_ << "/mosquitto.log ---\n"
        << tail(log_text(), lines);
    const std::string own_output = output();
    if (!own_output.empty()) out << "--- its stdout/stderr ---\n" << tail(own_output, lines);
    out << "--- end of mosquitto log ---" << std::endl;
}

}  // namespace papo::test
