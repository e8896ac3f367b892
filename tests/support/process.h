#pragma once
// Programs under test: one running in the background for as long as a test
// needs it, or one run to completion with a bounded timeout.
#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace papo::test {

// The full path of a program: `name` itself when it contains '/', else the first
// match on PATH; "" when there is none.
std::string find_program(const std::string& name);

// A program started at construction (fork/exec, stdin from /dev/null or from a pipe
// the test writes into, stdout and stderr together into one file), in its own
// process group. The destructor kills it (group included) if it still runs.
class process {
public:
    // Where its stdin comes from: /dev/null, or a pipe that stays open (the program
    // does not see end of file) until close_input() or the destructor.
    enum class input { none, pipe };
    // Throws std::runtime_error when the program cannot be found or started.
    // Output goes to `output_file`, or to a file in a temporary folder of its own.
    explicit process(std::vector<std::string> argv, std::string output_file = {}, input stdin_from = input::none);
    ~process();
    process(const process&) = delete;
    process& operator=(const process&) = delete;

    // SIGTERM, then SIGKILL if it has not exited within `grace`; returns its exit code.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    // SIGKILL to the whole process group; returns its exit code.
    int kill();
    // Blocks until it exits; its exit status, or 128 + signal when a signal ended it.
    int wait();
    // As wait(), but gives up after `timeout` (nullopt: still running).
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    bool running();
    // stdout + stderr so far.
    std::string output() const;
    // Polls output() (every 20 ms) until it contains `text`: true; false when the
    // program exited without printing it or `timeout` passed.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // input::pipe: types `text` into its stdin; false when it no longer reads it.
    bool write_input(const std::string& text);
    // input::pipe: closes its stdin, so that it reads end of file.
    void close_input();
    pid_t pid() const { return pid_; }

private:
    bool reap(bool block);

    pid_t pid_ = -1;
    int exit_code_ = -1;
    int input_fd_ = -1;  // input::pipe: our end of its stdin
    std::string output_file_;
    std::string own_dir_;  // removed by the destructor when we made it
};

struct command_result {
    int exit_code = -1;  // 128 + signal when a signal ended it; -1 when killed at the timeout
    bool timed_out = false;
    std::string out;
    std::string err;
};

// Runs a program to completion, killing it (and its process group) after `timeout`.
command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace papo::test
