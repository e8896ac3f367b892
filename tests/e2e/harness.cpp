#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace papo::e2e {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        const int in = open("/dev/null", O_RDONLY);
        const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = err_file == out_file ? out : open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0), dup2(out, 1), dup2(err, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return ntohs(address.sin_port);
}

bool port_answers(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return ok;
}

}  // namespace

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

std::string make_temp_dir(const std::string& prefix) {
    std::string pattern = "/tmp/" + prefix + "-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

void remove_tree(const std::string& path) {
    std::error_code ignored;
    if (path.rfind("/tmp/", 0) == 0) std::filesystem::remove_all(path, ignored);
}

command_result run_command(const std::vector<std::string>& argv, int timeout_seconds) {
    const std::string dir = make_temp_dir("papo-cmd");
    const pid_t pid = spawn(argv, dir + "/out", dir + "/err");
    command_result result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    int status = 0;
    for (;;) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    result.out = read_file(dir + "/out");
    result.err = read_file(dir + "/err");
    remove_tree(dir);
    return result;
}

background_process::background_process(std::vector<std::string> argv) {
    log_file_ = make_temp_dir("papo-proc") + "/log";
    pid_ = spawn(argv, log_file_, log_file_);
}

background_process::~background_process() {
    kill();
    remove_tree(log_file_.substr(0, log_file_.rfind('/')));
}

bool background_process::running() {
    if (pid_ < 0) return false;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

int background_process::wait() {
    if (pid_ > 0) {
        waitpid(pid_, &status_, 0);
        pid_ = -1;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void background_process::terminate() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (running() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill();
}

void background_process::kill() {
    if (!running()) return;
    ::kill(-pid_, SIGKILL);
    wait();
}

std::string background_process::output() const { return read_file(log_file_); }

mosquitto_broker::mosquitto_broker() : dir_(make_temp_dir("papo-broker")), port_(free_port()) {
    // The project's configuration with only the port, data folder and log redirected.
    std::ifstream project(env_or("PAPO_SOURCE_DIR", PAPO_SOURCE_DIR_DEFAULT) + "/mosquitto.conf");
    if (!project) throw std::runtime_error("cannot read the project's mosquitto.conf (PAPO_SOURCE_DIR)");
    std::ofstream config(dir_ + "/mosquitto.conf");
    for (std::string line; std::getline(project, line);) {
        if (line.rfind("listener ", 0) == 0) line = "listener " + std::to_string(port_) + " 127.0.0.1";
        else if (line.rfind("persistence_location ", 0) == 0) line = "persistence_location " + dir_ + "/";
        else if (line.rfind("log_dest ", 0) == 0) line = "log_dest file " + dir_ + "/mosquitto.log";
        config << line << "\n";
    }
    if (geteuid() == 0) config << "user root\n";  // else it drops to 'mosquitto', who cannot write dir_
    config.close();
    start();
}

mosquitto_broker::~mosquitto_broker() {
    delete process_;
    remove_tree(dir_);
}

void mosquitto_broker::start() {
    delete process_;
    process_ = new background_process({env_or("PAPO_MOSQUITTO", "/usr/sbin/mosquitto"), "-c", dir_ + "/mosquitto.conf"});
    for (int i = 0; i < 500 && !port_answers(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!port_answers(port_)) throw std::runtime_error("mosquitto did not start: " + log_text() + process_->output());
}

void mosquitto_broker::stop() {
    if (process_) process_->terminate();
}
void mosquitto_broker::kill() {
    if (process_) process_->kill();
}
std::string mosquitto_broker::log_text() const { return read_file(dir_ + "/mosquitto.log"); }

}  // namespace papo::e2e
