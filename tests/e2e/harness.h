#pragma once
// Real processes for end-to-end tests: a mosquitto started from the project's
// mosquitto.conf on a free loopback port with a temporary data folder, and
// programs run in the background or to completion with a bounded timeout.
#include <string>
#include <sys/types.h>
#include <vector>

namespace papo::e2e {

struct command_result {
    int exit_code = -1;  // -1: killed after the timeout
    std::string out;
    std::string err;
};

// Runs a program to completion (killed after timeout_seconds).
command_result run_command(const std::vector<std::string>& argv, int timeout_seconds);

class background_process {
public:
    explicit background_process(std::vector<std::string> argv);
    ~background_process();
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;
    void terminate();  // SIGTERM, then wait
    void kill();       // SIGKILL, then wait
    int wait();        // exit status
    bool running();
    std::string output() const;  // stdout + stderr so far
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::string log_file_;
    int status_ = -1;
};

class mosquitto_broker {
public:
    mosquitto_broker();
    ~mosquitto_broker();
    void start();
    void stop();  // SIGTERM: a clean stop saves persistence
    void kill();  // SIGKILL
    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }
    std::string log_text() const;
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    int port_ = 0;
    background_process* process_ = nullptr;
};

std::string make_temp_dir(const std::string& prefix);
void remove_tree(const std::string& path);
std::string env_or(const char* name, const std::string& fallback);

}  // namespace papo::e2e
