#include "socket_sweeper.h"

#include <dirent.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace papo::guard {
namespace {

// TCP_ESTABLISHED of <netinet/tcp.h>, which cannot be included with <linux/tcp.h>
// (whose tcp_info has the bytes_acked field this needs).
constexpr unsigned tcp_established = 1;

// The socket inode behind a descriptor, 0 when it is not a socket.
unsigned long socket_inode(int fd) {
    char link[64];
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
    if (n <= 0) return 0;
    link[n] = '\0';
    if (std::strncmp(link, "socket:[", 8) != 0) return 0;
    return std::strtoul(link + 8, nullptr, 10);
}

int int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t size = sizeof value;
    if (getsockopt(fd, level, name, &value, &size) != 0) return -1;
    return value;
}

// An accepted, established TCP connection the broker has never written to.
bool silent_client(int fd) {
    const int domain = int_option(fd, SOL_SOCKET, SO_DOMAIN);
    if ((domain != AF_INET && domain != AF_INET6) || int_option(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM) return false;
    if (int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) != 0) return false;  // a listener
    tcp_info info{};
    socklen_t size = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return false;
    return info.tcpi_state == tcp_established && info.tcpi_bytes_acked == 0 && info.tcpi_unacked == 0;
}

}  // namespace

std::size_t socket_sweeper::sweep(std::chrono::steady_clock::time_point now) {
    if (timeout_.count() <= 0) return 0;
    std::map<int, seen> still;
    std::size_t closed = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return 0;
    const int own = dirfd(dir);
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        const int fd = std::atoi(entry->d_name);
        if (fd == own) continue;
        const unsigned long inode = socket_inode(fd);
        if (inode == 0 || !silent_client(fd)) continue;
        seen s{inode, now};
        const auto before = silent_.find(fd);
        if (before != silent_.end() && before->second.inode == inode) s.since = before->second.since;
        if (now - s.since >= timeout_) {
            shutdown(fd, SHUT_RDWR);  // the broker sees the peer gone and cleans up
            ++closed;
            continue;
        }
        still.emplace(fd, s);
    }
    closedir(dir);
    silent_ = std::move(still);
    return closed;
}

}  // namespace papo::guard
