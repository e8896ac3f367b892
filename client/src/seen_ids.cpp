#include "papo/client/seen_ids.h"

#include "papo/error.h"
#include "papo/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace papo {

seen_ids::seen_ids(std::size_t capacity, std::string file) : capacity_(capacity), file_(std::move(file)) {
    if (file_.empty()) return;
    std::ifstream in(file_);
    std::deque<std::string> announced;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        if (line[0] == '~') announced.push_back(line.substr(1));
        else remember(line);
    }
    // One per crash at most; the newest 100 are plenty.
    while (announced.size() > 100) announced.pop_front();
    for (const auto& id : announced)
        if (!ids_.count(id)) maybe_.insert(id);
    compact();
    fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
}

seen_ids::~seen_ids() {
    if (fd_ >= 0) ::close(fd_);
}

// Rewrites the file bounded, beside it and then renamed: a crash while compacting
// leaves the old file whole, never an empty one (which would show everything again).
void seen_ids::compact() const {
    std::string text;
    for (const auto& id : maybe_) text += '~' + id + '\n';
    for (const auto& id : order_) text += id + '\n';
    replace_file(file_, text);  // if it cannot, the old file stays
}

void seen_ids::remember(const std::string& id) {
    if (!ids_.insert(id).second) return;
    order_.push_back(id);
    while (order_.size() > capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
}

bool seen_ids::append(const std::string& line) {
    errno = 0;  // a short write sets none
    return fd_ < 0 || ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

void seen_ids::showing(const std::string& id) {
    if (fd_ < 0) return;  // kept in memory only
    // Shown without a record, it would be shown again after a restart, unmarked: refuse.
    // The message stays unconfirmed, so its sender's outbox sends it again later.
    if (!append('~' + id + '\n'))
        throw error("cannot record what papo shows in " + file_ + ": " + std::strerror(errno ? errno : ENOSPC) +
                    "; stopped before showing more (nothing is lost: unconfirmed messages come again)");
}

bool seen_ids::first_time(const std::string& id) {
    if (ids_.count(id)) return false;
    remember(id);
    maybe_.erase(id);
    append(id + '\n');  // if this fails, the "~" line stands: a repeat comes marked, not lost
    return true;
}

}  // namespace papo
