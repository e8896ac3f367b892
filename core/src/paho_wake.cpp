#include "paho_wake.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace papo::detail {
namespace {

void nothing(int) {}

// SIGURG: ignored by default, so a stray one harms no one (Go's runtime uses it alike).
bool install_handler() {
    struct sigaction action {};
    action.sa_handler = nothing;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGURG, &action, nullptr) == 0;
}

// The first line of a small /proc file, without iostreams (this runs every millisecond).
std::string read_small(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char buffer[128];
    const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (n <= 0) return {};
    buffer[n] = '\0';
    return std::string(buffer, std::strcspn(buffer, "\n"));
}

}  // namespace

void wake_paho_receiver() {
    static const bool installed = install_handler();
    if (!installed) return;
    DIR* tasks = ::opendir("/proc/self/task");
    if (!tasks) return;
    while (const dirent* entry = ::readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        const std::string task = std::string("/proc/self/task/") + entry->d_name;
        if (read_small(task + "/comm") != "MQTTAsync_rcv") continue;
        // "<number> <args...>" while blocked in a system call.
        const long call = std::strtol(read_small(task + "/syscall").c_str(), nullptr, 10);
        if (call == SYS_nanosleep || call == SYS_clock_nanosleep)
            ::syscall(SYS_tgkill, ::getpid(), std::atoi(entry->d_name), SIGURG);
    }
    ::closedir(tasks);
}

}  // namespace papo::detail
