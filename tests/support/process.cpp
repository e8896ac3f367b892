#include "process.h"

#include "files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace papo::test {
namespace {

int open_for_child(const std::string& path, int flags) {
    // O_CLOEXEC: a program another thread forks meanwhile must not inherit it.
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    return fd;
}

// Starts argv with stdout into out_file and stderr into err_file (may be the same file),
// stdin from `in_fd` (closed here), or from /dev/null when it is -1.
// Everything that allocates happens before fork: the test process has other threads
// (Paho's), and the child may only make async-signal-safe calls until exec.
pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file, const std::string& err_file,
            int in_fd = -1) {
    struct closer {
        int fd;
        ~closer() {
            if (fd >= 0) ::close(fd);
        }
    } in_guard{in_fd};
    if (argv.empty()) throw std::runtime_error("no program to run");
    const std::string path = find_program(argv[0]);
    if (path.empty()) throw std::runtime_error("cannot find the program '" + argv[0] + "'");
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const std::string failure = "cannot run " + path + "\n";

    const int in = in_fd >= 0 ? in_fd : open_for_child("/dev/null", O_RDONLY);
    in_guard.fd = in;
    const int out = open_for_child(out_file, O_WRONLY | O_CREAT | O_TRUNC);
    const int err = err_file == out_file ? out : open_for_child(err_file, O_WRONLY | O_CREAT | O_TRUNC);
    const pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);  // its own group, so that kill() reaches its children too
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) signal(sig, SIG_DFL);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        execv(path.c_str(), args.data());
        (void)!write(STDERR_FILENO, failure.data(), failure.size());
        _exit(127);
    }
    const int fork_errno = errno;
    if (pid > 0) setpgid(pid, pid);  // also here: a kill(-pid) right after must not miss
    ::close(out);
    if (err != out) ::close(err);
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(fork_errno));
    return pid;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

std::string find_program(const std::string& name) {
    const auto executable = [](const std::string& path) {
        struct stat info {};
        return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
    };
    if (name.find('/') != std::string::npos) return executable(name) ? name : "";
    const std::string path = env_or("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (std::size_t start = 0; start <= path.size();) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        const std::string folder = end > start ? path.substr(start, end - start) : ".";
        if (executable(folder + "/" + name)) return folder + "/" + name;
        start = end + 1;
    }
    return "";
}

process::process(std::vector<std::string> argv, std::string output_file, input stdin_from)
    : output_file_(std::move(output_file)) {
    if (output_file_.empty()) {
        own_dir_ = make_temp_dir("papo-process");
        output_file_ = own_dir_ + "/output";
    }
    try {
        int child_end = -1;
        if (stdin_from == input::pipe) {
            // A test may type into a program that has just exited: EPIPE is an answer
            // then, not a reason for the whole test binary to die (children get the
            // default action back in spawn).
            static const bool sigpipe_ignored = ::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
            (void)sigpipe_ignored;
            int ends[2];
            // O_CLOEXEC: a program another thread forks meanwhile must not hold our end
            // open (the child would never see end of file).
            if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
            child_end = ends[0];
            input_fd_ = ends[1];
        }
        pid_ = spawn(argv, output_file_, output_file_, child_end);
    } catch (...) {
        close_input();
        remove_tree(own_dir_);
        throw;
    }
}

process::~process() {
    close_input();
    kill();
    remove_tree(own_dir_);
}

bool process::write_input(const std::string& text) {
    std::size_t done = 0;
    while (input_fd_ >= 0 && done < text.size()) {
        const ssize_t n = ::write(input_fd_, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return done == text.size();
}

void process::close_input() {
    if (input_fd_ >= 0) ::close(input_fd_);
    input_fd_ = -1;
}

bool process::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const bool exited = !running();  // before reading: what it printed before exiting counts
        if (output().find(text) != std::string::npos) return true;
        if (exited || std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

bool process::reap(bool block) {
    if (pid_ < 0) return true;
    int status = 0;
    pid_t done;
    do {
        done = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (done < 0 && errno == EINTR);
    if (done == 0) return false;
    exit_code_ = done == pid_ ? exit_code_of(status) : -1;
    pid_ = -1;
    return true;
}

bool process::running() { return !reap(false); }

int process::wait() {
    reap(true);
    return exit_code_;
}

std::optional<int> process::wait_for(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap(false)) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return exit_code_;
}

int process::stop(std::chrono::milliseconds grace) {
    if (!running()) return exit_code_;
    ::kill(-pid_, SIGTERM);
    if (auto code = wait_for(grace)) return *code;
    return kill();
}

int process::kill() {
    if (!running()) return exit_code_;
    if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
    return wait();
}

std::string process::output() const { return read_file(output_file_); }

command_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    const std::string dir = make_temp_dir("papo-command");
    command_result result;
    try {
        const pid_t pid = spawn(argv, dir + "/out", dir + "/err");
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        for (;;) {
            const pid_t done = ::waitpid(pid, &status, WNOHANG);
            if (done == pid) {
                result.exit_code = exit_code_of(status);
                break;
            }
            if (done < 0 && errno != EINTR) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL);
                while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
                }
                result.timed_out = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    } catch (...) {
        remove_tree(dir);
        throw;
    }
    result.out = read_file(dir + "/out");
    result.err = read_file(dir + "/err");
    remove_tree(dir);
    return result;
}

}  // namespace papo::test
