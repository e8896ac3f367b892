#include "papo/seen_ids.h"

#include <fstream>

namespace papo {

seen_ids::seen_ids(std::size_t capacity, std::string file) : capacity_(capacity), file_(std::move(file)) {
    if (file_.empty()) return;
    std::ifstream in(file_);
    for (std::string id; std::getline(in, id);)
        if (!id.empty()) remember(id);
    // Rewrite compacted so the file stays bounded too.
    std::ofstream out(file_, std::ios::trunc);
    for (const auto& id : order_) out << id << '\n';
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
    if (!file_.empty()) {
        std::ofstream out(file_, std::ios::app);
        out << id << '\n';
    }
    return true;
}

}  // namespace papo
