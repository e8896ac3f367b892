#pragma once
// A real mosquitto for tests, configured like the project's own broker.
//
// The configuration is derived from the project's mosquitto.conf (found through
// $PAPO_SOURCE_DIR, else the source folder this library was built from) with only
// what a test must own replaced: the listener (a free loopback port), the
// persistence folder and the log (a temporary folder), and `user root` when run as
// root (mosquitto would otherwise drop to user mosquitto, who cannot write there).
// The program is $PAPO_MOSQUITTO, else `mosquitto` on PATH, else /usr/sbin/mosquitto.
#include "process.h"

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace papo::test {

class broker {
public:
    // Starts the broker and waits (at most 5 s) until its port accepts connections.
    // `extra_config` lines are appended to the derived file (later lines win in
    // mosquitto), e.g. "autosave_interval 1". Throws std::runtime_error with the
    // broker's log when it does not start.
    // The broker has the project's access control: papo_guard, dynamic security with
    // a fresh dynamic-security.json, and papo-server's and papo-admin's passwords in
    // password_file(...). Pass access::open for a broker without accounts.
    enum class access { project, open };
    // `guard_options` ("publish_rate 0", ...) override papo_guard's plugin_opt_ lines
    // of the project's file: for a test that must go past a limit on purpose (a bulk
    // loader), or that needs a small one to reach it.
    explicit broker(std::vector<std::string> extra_config = {}, access mode = access::project,
                    std::vector<std::string> guard_options = {});
    // Stops the broker and removes its folder; prints the log's tail first when
    // the current test has failed.
    ~broker();
    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    // Starts again after stop() or kill(): same port, same configuration, same data.
    void start();
    // SIGTERM and waitpid: a clean exit, which writes the persistence database.
    void stop();
    // SIGKILL: a crash; what changed since the last autosave is lost.
    void kill();
    bool running();

    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }
    int pid() const;  // the mosquitto process, -1 when not running
    // The temporary folder: persistence database, configuration and log.
    const std::string& data_dir() const { return dir_; }
    std::string config_path() const { return dir_ + "/mosquitto.conf"; }
    std::string database_path() const;
    // The 0600 file with the password of "papo-server" or "papo-admin" (project access).
    std::string password_file(const std::string& account) const { return dir_ + "/" + account + ".password"; }
    // The broker's log file so far.
    std::string log_text() const;
    // The broker's own stdout/stderr (startup errors land here, before the log opens).
    std::string output() const;
    void print_log_tail(std::ostream& out, std::size_t lines = 60) const;

private:
    void write_config();
    bool try_start(std::string& failure);

    std::vector<std::string> extra_config_;
    access mode_;
    std::vector<std::string> guard_options_;
    std::string dir_;
    int port_ = 0;
    std::unique_ptr<process> mosquitto_;
};

// The project's source folder: $PAPO_SOURCE_DIR, else the one the tests were built from.
std::string source_dir();
// The mosquitto program tests run.
std::string mosquitto_program();

}  // namespace papo::test
