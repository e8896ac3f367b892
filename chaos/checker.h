#pragma once
// The chaos run's verdict, in the style of Jepsen's total-queue check: every message
// papo accepted must be shown to its reader exactly once, in the sender's order, and
// nothing else may be shown. Pure: the run's records in, four counts out.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace papo::chaos {

// A send that papo accepted (the send command succeeded and printed its id).
struct accepted {
    std::string from, to, id;
};

// A message a reader showed (a JSON line of `papo read --json`), in the order shown.
struct shown {
    std::string reader, from, id;
    std::uint64_t seq = 0;  // 0 when the message carried none
    // The last message a reader showed before it was SIGKILLed: papo records a message
    // right after showing it, so a kill in between shows it once more (at least once).
    bool last_before_kill = false;
};

struct verdict {
    std::size_t accepted = 0, shown = 0;
    std::size_t lost = 0;          // accepted, never shown to its reader
    std::size_t duplicated = 0;    // shown more than once to its reader (each extra showing)
    std::size_t out_of_order = 0;  // shown after a later message of the same sender to the same reader
    std::size_t unexpected = 0;    // shown but never accepted, or to the wrong reader or from the wrong sender
    std::size_t shown_again_after_kill = 0;  // the one message a killed reader was showing, shown again
    std::vector<std::string> examples;  // a few of each problem, for the report
    bool ok() const { return lost == 0 && duplicated == 0 && out_of_order == 0 && unexpected == 0; }
};

verdict check(const std::vector<accepted>& sends, const std::vector<shown>& shows);

}  // namespace papo::chaos
