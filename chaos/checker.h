#pragma once
// The chaos run's verdict, in the style of Jepsen's total-queue check: every message
// papo accepted must be shown to each of its readers exactly once, in the sender's
// order, and nothing else may be shown. Pure: the run's records in, counts out.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace papo::chaos {

// A DM or post that papo accepted (the command succeeded and printed its id), or that a
// device published with plain MQTT.
struct accepted {
    std::string from, id;
    std::vector<std::string> readers;  // a DM: its recipient; a post: every other member
    std::string topic;                 // empty for a DM
    // false: a device's publish that got no PUBACK (the broker went away first). The
    // broker may or may not have taken it, so it is not lost when never shown, and not
    // unexpected when shown once; shown twice is still a duplicate.
    bool acknowledged = true;
    // A sender without `seq` (a device): its own counter, 1, 2, 3... in the order it
    // published. papo does not promise that order (nothing is held back without seq), so
    // it is reported apart and is not a failure. 0: none.
    std::uint64_t sent_order = 0;
};

// A message a reader showed (a JSON line of `papo read --json`), in the order shown.
struct shown {
    std::string reader, from, id;
    std::uint64_t seq = 0;   // 0 when the message carried none
    std::string topic;       // empty for a DM
    bool maybe_repeat = false;  // papo's own mark: "an earlier run died while showing this"
    // The last message a reader showed before it was SIGKILLed.
    bool last_before_kill = false;
    // Which `papo read` showed it (the run's own numbering, 0: not told): named in the
    // examples of a duplicate or a message out of order, to find those reads' logs.
    std::size_t run = 0;
};

struct verdict {
    std::size_t accepted = 0, deliveries = 0, shown = 0;  // messages, (message, reader) pairs, lines
    std::size_t lost = 0;          // a delivery never shown to its reader
    std::size_t duplicated = 0;    // shown to a reader again without papo's mark (each extra showing)
    std::size_t out_of_order = 0;  // shown after a later message of the same sender (and topic) to the same reader
    std::size_t unexpected = 0;    // shown but never accepted, or to the wrong reader or from the wrong sender
    // The message a killed reader was showing, shown again with papo's "maybe_repeat" mark:
    // not a duplicate to a reader that honours the mark. A mark anywhere else is a duplicate.
    std::size_t marked_repeats = 0;
    // Publishes that got no PUBACK, and how many (message, reader) pairs of them were shown.
    std::size_t unacknowledged = 0, unacknowledged_shown = 0;
    // Shown after a later message of the same sender without seq (by sent_order): not a failure.
    std::size_t unsequenced_out_of_order = 0;
    std::vector<std::string> examples;  // a few of each problem, for the report
    std::vector<std::pair<std::string, std::string>> lost_deliveries;  // every lost (id, reader)
    std::vector<std::string> unsequenced_examples;  // a few of unsequenced_out_of_order
    bool ok() const { return lost == 0 && duplicated == 0 && out_of_order == 0 && unexpected == 0; }
};

verdict check(const std::vector<accepted>& sends, const std::vector<shown>& shows);

}  // namespace papo::chaos
