#include "checker.h"

#include <set>
#include <utility>

namespace papo::chaos {
namespace {

void note(verdict& v, const std::string& example) {
    if (v.examples.size() < 12) v.examples.push_back(example);
}

}  // namespace

verdict check(const std::vector<accepted>& sends, const std::vector<shown>& shows) {
    verdict v;
    v.accepted = sends.size();
    v.shown = shows.size();
    std::map<std::string, const accepted*> by_id;
    for (const auto& s : sends) by_id[s.id] = &s;

    std::map<std::string, std::size_t> times_shown;  // id -> showings to its own reader
    std::set<std::string> cut_short;                 // ids a reader was showing when it was killed
    std::map<std::pair<std::string, std::string>, std::uint64_t> highest;  // (from, reader) -> highest seq shown
    for (const auto& s : shows) {
        const auto it = by_id.find(s.id);
        if (it == by_id.end() || it->second->to != s.reader || it->second->from != s.from) {
            ++v.unexpected;
            note(v, "unexpected: " + s.reader + " was shown " + s.id + " from " + s.from);
            continue;
        }
        if (++times_shown[s.id] > 1 && cut_short.erase(s.id)) {
            ++v.shown_again_after_kill;
            continue;
        }
        if (s.last_before_kill) cut_short.insert(s.id);
        if (times_shown[s.id] > 1) {
            ++v.duplicated;
            note(v, "duplicated: " + s.id + " (" + s.from + " -> " + s.reader + ")");
            continue;
        }
        if (s.seq) {
            auto& top = highest[{s.from, s.reader}];
            if (s.seq < top) {
                ++v.out_of_order;
                note(v, "out of order: " + s.from + " -> " + s.reader + " #" + std::to_string(s.seq) + " after #" +
                            std::to_string(top));
            }
            if (s.seq > top) top = s.seq;
        }
    }
    for (const auto& s : sends)
        if (!times_shown.count(s.id)) {
            ++v.lost;
            note(v, "lost: " + s.id + " (" + s.from + " -> " + s.to + ")");
        }
    return v;
}

}  // namespace papo::chaos
