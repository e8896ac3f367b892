#pragma once
// The ids a reader has already shown, so that a QoS 1 redelivery is never shown
// twice. Bounded: it remembers the most recent `capacity` ids. Optionally kept in
// a file so that a restarted client still knows them.
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

namespace papo {

class seen_ids {
public:
    explicit seen_ids(std::size_t capacity = 20000, std::string file = {});
    ~seen_ids();
    seen_ids(const seen_ids&) = delete;
    seen_ids& operator=(const seen_ids&) = delete;
    // True the first time an id is offered; false for a repeat.
    bool first_time(const std::string& id);
    bool contains(const std::string& id) const { return ids_.count(id) > 0; }
    std::size_t size() const { return ids_.size(); }

private:
    void remember(const std::string& id);
    std::size_t capacity_;
    std::string file_;
    int fd_ = -1;  // the file, open for appending: one write per id, nothing between show and record
    std::deque<std::string> order_;
    std::unordered_set<std::string> ids_;
};

}  // namespace papo
