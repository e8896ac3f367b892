#pragma once
// How many messages wait in each queue. Mosquitto exposes no per-client count, so
// papo-server derives it: every message routed to a queue is pending until the
// queue's reader sends a receipt for its id. Exact once traffic settles, across
// online/offline transitions, and kept as ids (not a counter) so that a QoS 1
// redelivery or a repeated receipt can never skew it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace papo {

class queue_accounting {
public:
    void add_queue(const std::string& queue);
    void remove_queue(const std::string& queue);
    void purge(const std::string& queue);
    // A message was routed to the queue.
    void routed(const std::string& queue, const std::string& id);
    // The queue's reader took these messages.
    void received(const std::string& queue, const std::vector<std::string>& ids);
    void restore(const std::string& queue, const std::vector<std::string>& pending);

    std::size_t depth(const std::string& queue) const;
    // How many of these ids wait in the queue (each counted once).
    std::size_t waiting_among(const std::string& queue, const std::vector<std::string>& ids) const;
    // The ids waiting in the queue, at most `limit` of them.
    std::vector<std::string> pending(const std::string& queue, std::size_t limit = SIZE_MAX) const;
    // Queues whose pending set changed since the last call: their snapshots need writing.
    std::set<std::string> take_changed();

private:
    std::map<std::string, std::unordered_set<std::string>> pending_;
    std::set<std::string> changed_;
};

}  // namespace papo
