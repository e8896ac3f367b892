#pragma once
// <state>/seq_from: where each sender's numbers stand for this reader, one record per
// line, appended as they change and folded on reading (the last word on a key wins for
// forgetting, the highest number otherwise). The ONE serializer of the file: lines are
// JSON ({"from":"alice","topic":"lobby","series":"…","n":5}, plus "before_join":true, or
// {"numbered_topic":"lobby","n":1}); lines of the older text format ("alice 3",
// "alice#lobby/series 5", "^alice#lobby 2", "@lobby 1") are still read, so existing state
// folders keep working, and the first compaction rewrites them in the new format.
#include "papo/numbering.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace papo {

struct number_record {
    enum class kind {
        last_shown,      // the highest number shown of `key`
        before_join,     // posts of `key` up to n were made before we joined its topic
        numbered_topic,  // key.topic was joined with papo-server's numbers (n 1), or left (n 0)
    };
    kind what = kind::last_shown;
    numbering_key key;
    std::uint64_t n = 0;  // 0: forgotten
};

// One line of seq_from (no newline).
std::string seq_from_line(const number_record& record);
// A line of either format; nullopt for a torn or unreadable one.
std::optional<number_record> parse_seq_from_line(const std::string& line);

// What the records add up to.
struct numbers_memory {
    std::map<numbering_key, std::uint64_t> last_shown;
    std::map<numbering_key, std::uint64_t> before_join;
    std::set<std::string> numbered_topics;

    void apply(const number_record& record);
    // The records that rebuild this memory (for a compaction).
    std::vector<number_record> records() const;
    std::size_t size() const { return last_shown.size() + before_join.size() + numbered_topics.size(); }
};

}  // namespace papo
