#include "papo/client/state_dir.h"

#include "papo/state_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

namespace papo {
namespace {
void make_private_folders(const std::string& dir) {
    // mkdir -p, private to the user: the spool holds message text.
    for (std::size_t slash = 1; slash != std::string::npos; slash = dir.find('/', slash + 1))
        ::mkdir(dir.substr(0, slash).c_str(), 0700);
    ::mkdir(dir.c_str(), 0700);
}
}  // namespace

state_dir::state_dir(std::string path) : path_(std::move(path)) {
    if (!path_.empty()) make_private_folders(path_);
}

std::string default_state_dir(const std::string& base, const std::string& user, const std::string& broker) {
    std::string root = base;
    if (root.empty()) {
        if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) root = std::string(xdg) + "/papo";
        else if (const char* home = std::getenv("HOME"); home && *home) root = std::string(home) + "/.local/state/papo";
        else root = "/tmp/papo-state";
    }
    std::string where = broker.substr(broker.find("://") == std::string::npos ? 0 : broker.find("://") + 3);
    for (char& c : where)
        if (c == ':' || c == '/') c = '_';
    return state_dir(root + "/" + user + "@" + where).path();
}

file_lock::file_lock(const std::string& file, mode how) {
    if (file.empty()) return;
    fd_ = ::open((file + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return;  // a read-only folder: the writes below fail and say so
    while (::flock(fd_, how == mode::exclusive ? LOCK_EX : LOCK_SH) != 0 && errno == EINTR) {
    }
}

file_lock::~file_lock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

bool append_to_state_file(const std::string& file, const std::string& text) {
    if (file.empty() || text.empty()) return true;
    file_lock lock(file, file_lock::mode::shared);
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    std::string line = text;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0) {
        char last = '\n';
        const int read_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (read_fd >= 0) {
            if (::pread(read_fd, &last, 1, info.st_size - 1) == 1 && last != '\n') line.insert(0, "\n");
            ::close(read_fd);
        }
    }
    const bool written = write_all(fd, line);
    const int why = errno;
    ::close(fd);
    errno = why;
    return written;
}

std::vector<std::string> read_state_lines(const std::string& file) {
    std::vector<std::string> lines;
    if (file.empty()) return lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    return lines;
}

}  // namespace papo
