#include "checker.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

namespace papo::chaos {
namespace {

void note(std::vector<std::string>& examples, const std::string& example) {
    if (examples.size() < 12) examples.push_back(example);
}
void note(verdict& v, const std::string& example) { note(v.examples, example); }

std::string where(const shown& s) { return s.topic.empty() ? s.from + " -> " + s.reader : s.from + " #" + s.topic + " -> " + s.reader; }
std::string read_no(std::size_t run) { return run ? "read " + std::to_string(run) : "a read"; }

}  // namespace

verdict check(const std::vector<accepted>& sends, const std::vector<shown>& shows) {
    verdict v;
    v.accepted = sends.size();
    v.shown = shows.size();
    std::map<std::string, const accepted*> by_id;
    for (const auto& s : sends) {
        by_id[s.id] = &s;
        if (s.acknowledged)
            v.deliveries += s.readers.size();
        else
            ++v.unacknowledged;
    }

    using delivery = std::pair<std::string, std::string>;  // (id, reader)
    struct showings {
        std::size_t times = 0, first_run = 0;  // how often, and the read that showed it first
    };
    std::map<delivery, showings> shown_as;
    std::set<delivery> cut_short;  // what a reader was showing when it was killed
    // (from, topic, reader) -> the highest number shown: each sender's order per stream
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> highest_sent;
    std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::uint64_t, std::size_t>> highest;  // and its read
    for (const auto& s : shows) {
        const auto it = by_id.find(s.id);
        const bool for_this_reader =
            it != by_id.end() && it->second->from == s.from && it->second->topic == s.topic &&
            std::find(it->second->readers.begin(), it->second->readers.end(), s.reader) != it->second->readers.end();
        if (!for_this_reader) {
            ++v.unexpected;
            note(v, "unexpected: " + s.reader + " was shown " + s.id + " (" + where(s) + ")");
            continue;
        }
        const delivery d{s.id, s.reader};
        auto& showing = shown_as[d];
        if (++showing.times == 1) showing.first_run = s.run;
        if (showing.times > 1) {
            if (s.maybe_repeat && cut_short.erase(d)) {
                ++v.marked_repeats;
            } else {
                ++v.duplicated;
                note(v, std::string("duplicated") + (s.maybe_repeat ? " (marked, but not the one being shown at a kill)" : "") +
                            ": " + s.id + " (" + where(s) + "), in " + read_no(showing.first_run) + " and again in " + read_no(s.run));
            }
            continue;
        }
        if (s.last_before_kill) cut_short.insert(d);
        if (!it->second->acknowledged) ++v.unacknowledged_shown;
        if (!s.seq && it->second->sent_order) {
            auto& top = highest_sent[{s.from, s.topic, s.reader}];
            if (it->second->sent_order < top) {
                ++v.unsequenced_out_of_order;
                note(v.unsequenced_examples, "shown out of its sender's order: " + where(s) + " #" +
                            std::to_string(it->second->sent_order) + " after #" + std::to_string(top));
            }
            if (it->second->sent_order > top) top = it->second->sent_order;
        }
        if (s.seq) {
            auto& top = highest[{s.from, s.topic, s.reader}];
            if (s.seq < top.first) {
                ++v.out_of_order;
                note(v, "out of order: " + where(s) + " #" + std::to_string(s.seq) + " (" + s.id + ", " + read_no(s.run) +
                            ") after #" + std::to_string(top.first) + " (" + read_no(top.second) + ")");
            }
            if (s.seq > top.first) top = {s.seq, s.run};
        }
    }
    for (const auto& s : sends) {
        if (!s.acknowledged) continue;  // may never have reached the broker
        for (const auto& reader : s.readers)
            if (!shown_as.count({s.id, reader})) {
                ++v.lost;
                v.lost_deliveries.emplace_back(s.id, reader);
                note(v, "lost: " + s.id + " (" + s.from + (s.topic.empty() ? "" : " #" + s.topic) + " -> " + reader + ")");
            }
    }
    return v;
}

}  // namespace papo::chaos
