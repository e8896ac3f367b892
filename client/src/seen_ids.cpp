#include "papo/client/seen_ids.h"

#include "papo/client/state_dir.h"
#include "papo/error.h"
#include "papo/state_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace papo {
namespace {
std::string last_word(const std::string& id) {
    const auto space = id.rfind(' ');
    return space == std::string::npos ? id : id.substr(space + 1);
}
}  // namespace

seen_ids::seen_ids(std::size_t capacity, std::string file) : capacity_(capacity), file_(std::move(file)) {
    if (file_.empty()) return;
    // Read and rewritten under the exclusive lock: lines other processes append
    // meanwhile wait for it and then land in the new file.
    file_lock lock(file_, file_lock::mode::exclusive);
    std::deque<std::string> announced;
    for (const auto& line : read_state_lines(file_)) {
        if (line.empty()) continue;
        if (line[0] == '~') announced.push_back(line.substr(1));
        else remember(line);
    }
    // Most announcements were confirmed by the line after them: only the others count. One
    // per crash at most, so the newest 100 of those are plenty. (Bounding before dropping
    // the confirmed ones lost the mark of a crash followed by a run that showed 100 more.)
    announced.erase(std::remove_if(announced.begin(), announced.end(), [this](const std::string& id) { return ids_.count(id) > 0; }),
                    announced.end());
    while (announced.size() > 100) announced.pop_front();
    for (const auto& id : announced) maybe_.insert(id);
    compact();
}

seen_ids::~seen_ids() = default;

// Rewrites the file bounded, beside it and then renamed: a crash while compacting
// leaves the old file whole, never an empty one (which would show everything again).
// The caller holds the exclusive lock.
void seen_ids::compact() {
    std::string text;
    for (const auto& id : maybe_) text += '~' + id + '\n';
    for (const auto& id : order_) text += id + '\n';
    replace_file(file_, text);  // if it cannot, the old file stays
}

void seen_ids::remember(const std::string& id) {
    if (!ids_.insert(id).second) return;
    order_.push_back(id);
    ++by_last_word_[last_word(id)];
    while (order_.size() > capacity_) {
        const auto word = last_word(order_.front());
        if (--by_last_word_[word] == 0) by_last_word_.erase(word);
        ids_.erase(order_.front());
        order_.pop_front();
    }
}

bool seen_ids::append(const std::string& line) { return file_.empty() || append_to_state_file(file_, line); }

void seen_ids::showing(const std::string& id) {
    if (file_.empty()) return;  // kept in memory only
    // Shown without a record, it would be shown again after a restart, unmarked: refuse.
    // The message stays unconfirmed, so its sender's outbox sends it again later.
    errno = 0;
    if (!append('~' + id + '\n'))
        throw error(error_kind::storage, "cannot record what papo shows in " + file_ + ": " + std::strerror(errno ? errno : ENOSPC) +
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
