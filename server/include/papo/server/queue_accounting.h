#pragma once
// How many messages wait in each queue. Mosquitto exposes no per-client count, so
// papo-server derives it: every message routed to a queue is pending until the
// queue's reader sends a receipt for it. Exact once traffic settles, across
// online/offline transitions, and kept as messages (not a counter) so that a QoS 1
// redelivery or a repeated receipt can never skew it.
//
// A message is known by (sender, id): ids are chosen by their senders, so two senders
// may use one id, and a receipt to a sender (users/<sender>/receipts/<reader>) takes
// away only that sender's messages. Each message's payload size is kept too, and the
// queue is "full" at queue_limits; a queue that becomes full or stops being full is
// reported apart (take_full_changes) because the broker must learn it at once.
#include "papo/messages.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace papo {

// What may wait in one queue; 0 means no limit. A queue is full when its count or
// its bytes reach the limit (>=).
struct queue_limits {
    std::size_t max_messages = 10000;
    std::uint64_t max_bytes = 64ull * 1024 * 1024;
};

class queue_accounting {
public:
    explicit queue_accounting(queue_limits limits = {});

    void add_queue(const std::string& queue);
    void remove_queue(const std::string& queue);
    void purge(const std::string& queue);
    // A message of `sender`'s with `bytes` of payload was routed to the queue.
    void routed(const std::string& queue, const std::string& sender, const std::string& id, std::uint64_t bytes = 0);
    // A receipt from the queue's reader to `sender`: it took these of the sender's messages.
    void received(const std::string& queue, const std::string& sender, const std::vector<std::string>& ids);
    // users.confirm: the reader had shown messages with these ids; it names no sender, so
    // every sender's message of such an id goes. Only the queue's own reader asks it.
    void confirmed(const std::string& queue, const std::vector<std::string>& ids);
    // At start-up: the queue exists (a loaded user), with nothing counted yet.
    void ensure_queue(const std::string& queue);
    // At start-up: what a snapshot lists is waiting. Not a change to write back, unless
    // the queue's full state now differs from what the snapshot said (other limits).
    // A snapshot has only the queue's total bytes: each listed message gets its share.
    void restore(const queue_snapshot& snapshot);

    std::size_t depth(const std::string& queue) const;
    std::uint64_t bytes(const std::string& queue) const;
    bool full(const std::string& queue) const;
    const queue_limits& limits() const { return limits_; }
    // How many waiting messages carry one of these ids (what confirmed() takes away).
    std::size_t waiting_among(const std::string& queue, const std::vector<std::string>& ids) const;
    // The ids waiting in the queue, each once, at most `limit` of them and within the
    // packet budget below.
    std::vector<std::string> pending(const std::string& queue, std::size_t limit = max_listed_ids) const;
    // registry/queues/<queue>: counts, bytes, full, and at most `limit` messages listed
    // (fewer if their JSON would pass listing_budget_bytes).
    queue_snapshot snapshot(const std::string& queue, std::size_t limit = max_listed_ids) const;
    // Queues whose pending messages changed since the last call: their snapshots need writing.
    std::set<std::string> take_changed();
    // Queues that became full, or stopped being full, since their last snapshot: their
    // snapshots must be written at once. Taking them counts as writing them.
    std::set<std::string> take_full_changes();
    // Every queue that is full now.
    std::vector<std::string> full_queues() const;

    // What the listed ids may take in a snapshot or an answer, as JSON: the rest of
    // the broker's 4 MiB packet limit is ample for the other fields. Ids of 64 control
    // characters take 384 bytes each as JSON, so a count alone would not do.
    static constexpr std::size_t listing_budget_bytes = max_snapshot_bytes - 64 * 1024;

private:
    struct queue_state {
        // sender -> id -> payload bytes. The sender "" (no name is empty) holds ids
        // restored from an old snapshot that did not say their sender.
        std::map<std::string, std::unordered_map<std::string, std::uint64_t>> by_sender;
        std::size_t count = 0;
        std::uint64_t bytes = 0;
        bool announced_full = false;  // what the last snapshot written (or loaded) said
    };
    bool is_full(const queue_state& q) const;
    void add(queue_state& q, const std::string& sender, const std::string& id, std::uint64_t bytes);
    bool take(queue_state& q, const std::string& sender, const std::string& id);
    void note_change(const std::string& queue, const queue_state& q);

    queue_limits limits_;
    std::map<std::string, queue_state> queues_;
    std::set<std::string> changed_;
    std::set<std::string> full_changed_;
};

}  // namespace papo
