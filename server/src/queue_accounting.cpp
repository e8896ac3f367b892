#include "papo/server/queue_accounting.h"

namespace papo {

void queue_accounting::add_queue(const std::string& queue) {
    pending_.try_emplace(queue);
    changed_.insert(queue);
}
void queue_accounting::remove_queue(const std::string& queue) {
    pending_.erase(queue);
    changed_.erase(queue);
}
void queue_accounting::purge(const std::string& queue) {
    auto it = pending_.find(queue);
    if (it == pending_.end()) return;
    it->second.clear();
    changed_.insert(queue);
}
void queue_accounting::routed(const std::string& queue, const std::string& id) {
    auto it = pending_.find(queue);
    if (it != pending_.end() && it->second.insert(id).second) changed_.insert(queue);
}
void queue_accounting::received(const std::string& queue, const std::vector<std::string>& ids) {
    auto it = pending_.find(queue);
    if (it == pending_.end()) return;
    for (const auto& id : ids)
        if (it->second.erase(id)) changed_.insert(queue);
}
void queue_accounting::restore(const std::string& queue, const std::vector<std::string>& pending) {
    auto& ids = pending_[queue];
    ids.insert(pending.begin(), pending.end());
}
std::size_t queue_accounting::depth(const std::string& queue) const {
    auto it = pending_.find(queue);
    return it == pending_.end() ? 0 : it->second.size();
}
std::size_t queue_accounting::waiting_among(const std::string& queue, const std::vector<std::string>& ids) const {
    const auto it = pending_.find(queue);
    if (it == pending_.end()) return 0;
    std::unordered_set<std::string> counted;
    for (const auto& id : ids)
        if (it->second.count(id)) counted.insert(id);
    return counted.size();
}

std::vector<std::string> queue_accounting::pending(const std::string& queue, std::size_t limit) const {
    auto it = pending_.find(queue);
    if (it == pending_.end()) return {};
    std::vector<std::string> ids;
    ids.reserve(std::min(limit, it->second.size()));
    for (const auto& id : it->second) {
        if (ids.size() == limit) break;
        ids.push_back(id);
    }
    return ids;
}
std::set<std::string> queue_accounting::take_changed() {
    std::set<std::string> changed;
    changed.swap(changed_);
    return changed;
}

}  // namespace papo
