#include "papo/seen_ids.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace papo {

seen_ids::seen_ids(std::size_t capacity, std::string file) : capacity_(capacity), file_(std::move(file)) {
    if (file_.empty()) return;
    std::ifstream in(file_);
    for (std::string id; std::getline(in, id);)
        if (!id.empty()) remember(id);
    // Rewrite compacted so the file stays bounded too.
    {
        std::ofstream out(file_, std::ios::trunc);
        for (const auto& id : order_) out << id << '\n';
    }
    fd_ = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
}

seen_ids::~seen_ids() {
    if (fd_ >= 0) ::close(fd_);
}

void seen_ids::remember(const std::string& id) {
    if (!ids_.insert(id).second) return;
    order_.push_back(id);
    while (order_.size() > capacity_) {
        ids_.erase(order_.front());
        order_.pop_front();
    }
}

bool seen_ids::first_time(const std::string& id) {
    if (ids_.count(id)) return false;
    remember(id);
    const std::string line = id + "\n";
    // A failed write (a full disk) costs only the memory of this id across a restart.
    if (fd_ >= 0 && ::write(fd_, line.data(), line.size()) < 0) return true;
    return true;
}

}  // namespace papo
