#include "papo/server/queue_accounting.h"

#include <algorithm>
#include <unordered_set>

namespace papo {
namespace {

// The bytes a string takes in nlohmann's JSON output, with its quotes and a comma.
std::size_t json_text_bytes(const std::string& text) {
    std::size_t n = 3;
    for (const unsigned char c : text) {
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') n += 2;
        else if (c < 0x20) n += 6;  // \u00XX
        else n += 1;
    }
    return n;
}

}  // namespace

queue_accounting::queue_accounting(queue_limits limits) : limits_(limits) {}

bool queue_accounting::is_full(const queue_state& q) const {
    return (limits_.max_messages && q.count >= limits_.max_messages) || (limits_.max_bytes && q.bytes >= limits_.max_bytes);
}

void queue_accounting::add(queue_state& q, const std::string& sender, const std::string& id, std::uint64_t bytes) {
    q.by_sender[sender][id] = bytes;
    ++q.count;
    q.bytes += bytes;
}

bool queue_accounting::take(queue_state& q, const std::string& sender, const std::string& id) {
    const auto of_sender = q.by_sender.find(sender);
    if (of_sender == q.by_sender.end()) return false;
    const auto it = of_sender->second.find(id);
    if (it == of_sender->second.end()) return false;
    --q.count;
    q.bytes -= std::min(q.bytes, it->second);
    of_sender->second.erase(it);
    if (of_sender->second.empty()) q.by_sender.erase(of_sender);
    return true;
}

void queue_accounting::note_change(const std::string& queue, const queue_state& q) {
    changed_.insert(queue);
    // Back to what the broker was last told before anyone heard otherwise: nothing urgent.
    if (is_full(q) != q.announced_full) full_changed_.insert(queue);
    else full_changed_.erase(queue);
}

void queue_accounting::add_queue(const std::string& queue) {
    const auto [it, added] = queues_.try_emplace(queue);
    note_change(queue, it->second);
}
void queue_accounting::remove_queue(const std::string& queue) {
    queues_.erase(queue);
    changed_.erase(queue);
    full_changed_.erase(queue);
}
void queue_accounting::purge(const std::string& queue) {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return;
    it->second.by_sender.clear();
    it->second.count = 0;
    it->second.bytes = 0;
    note_change(queue, it->second);
}

void queue_accounting::routed(const std::string& queue, const std::string& sender, const std::string& id,
                              std::uint64_t bytes) {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return;
    auto& q = it->second;
    if (const auto known = q.by_sender.find(sender); known != q.by_sender.end() && known->second.count(id)) return;
    // An id restored without its sender is taken to be this message, seen before the
    // restart: counted once, and from now on under its sender.
    take(q, "", id);
    add(q, sender, id, bytes);
    note_change(queue, q);
}

void queue_accounting::received(const std::string& queue, const std::string& sender, const std::vector<std::string>& ids) {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return;
    bool changed = false;
    for (const auto& id : ids)
        if (take(it->second, sender, id) || take(it->second, "", id)) changed = true;
    if (changed) note_change(queue, it->second);
}

void queue_accounting::confirmed(const std::string& queue, const std::vector<std::string>& ids) {
    auto it = queues_.find(queue);
    if (it == queues_.end()) return;
    auto& q = it->second;
    bool changed = false;
    for (const auto& id : ids) {
        std::vector<std::string> senders;
        for (const auto& [sender, of_sender] : q.by_sender)
            if (of_sender.count(id)) senders.push_back(sender);
        for (const auto& sender : senders) changed = take(q, sender, id) || changed;
    }
    if (changed) note_change(queue, q);
}

void queue_accounting::ensure_queue(const std::string& queue) { queues_.try_emplace(queue); }

void queue_accounting::restore(const queue_snapshot& snapshot) {
    auto& q = queues_[snapshot.name];
    // The snapshot has the total only: each listed message gets an equal share, so that
    // the bytes fall back to 0 as receipts take them.
    const std::uint64_t share = snapshot.messages ? snapshot.bytes / snapshot.messages : 0;
    std::uint64_t extra = snapshot.messages ? snapshot.bytes % snapshot.messages : 0;
    const auto restore_one = [&](const std::string& sender, const std::string& id) {
        if (const auto known = q.by_sender.find(sender); known != q.by_sender.end() && known->second.count(id)) return;
        add(q, sender, id, share + (extra ? 1 : 0));
        if (extra) --extra;
    };
    for (const auto& id : snapshot.pending) restore_one("", id);
    for (const auto& [sender, ids] : snapshot.pending_from)
        for (const auto& id : ids) restore_one(sender, id);
    q.announced_full = snapshot.full;
    if (is_full(q) != q.announced_full) full_changed_.insert(snapshot.name);
    else full_changed_.erase(snapshot.name);
}

std::size_t queue_accounting::depth(const std::string& queue) const {
    const auto it = queues_.find(queue);
    return it == queues_.end() ? 0 : it->second.count;
}
std::uint64_t queue_accounting::bytes(const std::string& queue) const {
    const auto it = queues_.find(queue);
    return it == queues_.end() ? 0 : it->second.bytes;
}
bool queue_accounting::full(const std::string& queue) const {
    const auto it = queues_.find(queue);
    return it != queues_.end() && is_full(it->second);
}

std::size_t queue_accounting::waiting_among(const std::string& queue, const std::vector<std::string>& ids) const {
    const auto it = queues_.find(queue);
    if (it == queues_.end()) return 0;
    const std::unordered_set<std::string> asked(ids.begin(), ids.end());
    std::size_t n = 0;
    for (const auto& id : asked)
        for (const auto& [sender, of_sender] : it->second.by_sender) n += of_sender.count(id);
    return n;
}

std::vector<std::string> queue_accounting::pending(const std::string& queue, std::size_t limit) const {
    const auto it = queues_.find(queue);
    if (it == queues_.end()) return {};
    std::vector<std::string> ids;
    std::unordered_set<std::string> listed;
    std::size_t budget = listing_budget_bytes;
    for (const auto& [sender, of_sender] : it->second.by_sender)
        for (const auto& [id, size] : of_sender) {
            if (ids.size() == limit) return ids;
            if (listed.count(id)) continue;
            const std::size_t cost = json_text_bytes(id);
            if (cost > budget) return ids;
            budget -= cost;
            listed.insert(id);
            ids.push_back(id);
        }
    return ids;
}

queue_snapshot queue_accounting::snapshot(const std::string& queue, std::size_t limit) const {
    queue_snapshot s;
    s.name = queue;
    const auto it = queues_.find(queue);
    if (it == queues_.end()) return s;
    const auto& q = it->second;
    s.messages = q.count;
    s.bytes = q.bytes;
    s.full = is_full(q);
    std::size_t listed = 0;
    std::size_t budget = listing_budget_bytes;
    for (const auto& [sender, of_sender] : q.by_sender) {
        const std::size_t key_cost = json_text_bytes(sender) + 3;  // "name":[...],
        if (key_cost > budget) break;
        budget -= key_cost;
        auto& ids = sender.empty() ? s.pending : s.pending_from[sender];
        for (const auto& [id, size] : of_sender) {
            const std::size_t cost = json_text_bytes(id);
            if (listed == limit || cost > budget) break;
            budget -= cost;
            ids.push_back(id);
            ++listed;
        }
        if (!sender.empty() && ids.empty()) s.pending_from.erase(sender);
        if (listed == limit) break;
    }
    return s;
}

std::set<std::string> queue_accounting::take_changed() {
    std::set<std::string> changed;
    changed.swap(changed_);
    for (const auto& name : changed) {
        full_changed_.erase(name);
        if (auto it = queues_.find(name); it != queues_.end()) it->second.announced_full = is_full(it->second);
    }
    return changed;
}

std::set<std::string> queue_accounting::take_full_changes() {
    std::set<std::string> changed;
    changed.swap(full_changed_);
    for (const auto& name : changed) {
        changed_.erase(name);
        if (auto it = queues_.find(name); it != queues_.end()) it->second.announced_full = is_full(it->second);
    }
    return changed;
}

std::vector<std::string> queue_accounting::full_queues() const {
    std::vector<std::string> names;
    for (const auto& [name, q] : queues_)
        if (is_full(q)) names.push_back(name);
    return names;
}

}  // namespace papo
