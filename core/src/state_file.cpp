#include "papo/state_file.h"

#include "papo/clock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace papo {

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        errno = 0;
        const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) {
            if (errno == 0) errno = ENOSPC;  // a write of nothing: the disk is full
            return false;
        }
        done += static_cast<std::size_t>(wrote);
    }
    return true;
}

bool sync_folder_of(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
}

bool replace_file(const std::string& path, const std::string& text, bool /*durable*/) {
    // Unique per call: two processes of one user compacting the same file at once
    // each write their own temporary file; the last rename wins whole.
    const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + random_hex(8);
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool written = write_all(fd, text) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || std::rename(temp.c_str(), path.c_str()) != 0) {
        std::remove(temp.c_str());
        return false;
    }
    sync_folder_of(path);  // the new name is in place either way; this makes it last
    return true;
}

}  // namespace papo
