#pragma once
// The reader's decisions, with no I/O: which message is a repeat, which is shown now,
// which waits for an earlier one of its sender, and what the numbers become. Feed it
// messages and the time (it never reads a clock); it returns the steps the I/O layer
// (reader.h) carries out in order: show, acknowledge, record a number in seq_from.
//
// - Repeats: an id is a repeat only among the SAME sender's messages (another sender
//   cannot hide a message by reusing its id). Older seen files hold bare ids; those
//   count for any sender.
// - Order: each sender numbers DMs per recipient and posts per topic, within a series
//   (papo::numbering_key). A message whose number jumps is held until the gap fills or
//   the hold limit passes; then it is shown marked with how many are missing; one that
//   comes after a later one is marked late.
// - Joining with papo-server's numbers: posts up to a sender's number were made before
//   we joined: acknowledged, never shown; a sender with no number starts from 1.
#include "papo/client/message_view.h"
#include "papo/client/seen_ids.h"
#include "papo/client/seq_from.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo {

struct sequencer_step {
    enum class kind {
        show,         // show `view` (then record it as shown and acknowledge it)
        acknowledge,  // a repeat or a post from before we joined: receipt only
        record,       // append `record` to seq_from
    };
    kind what = kind::show;
    message_view view;
    number_record record;
};

struct sequencer_result {
    std::vector<sequencer_step> steps;
    bool held_changed = false;  // held_messages() changed: rewrite held.jsonl
    std::size_t shown() const;
    // The views to show, in order (for tests and callers that only show).
    std::vector<message_view> views() const;
};

class sequencer {
public:
    using clock = std::chrono::system_clock;  // wall time: a hold carries over to the next run

    explicit sequencer(std::size_t seen_capacity = 20000) : seen_(seen_capacity) {}

    // 0 shows at once (no hold).
    void set_hold_limit(std::chrono::milliseconds limit) { hold_limit_ = limit; }

    // Restoring state from the files (before any offer).
    // `word` as in the seen file: "<sender> <id>", or a bare id of an older file.
    void restore_seen(const std::string& word);
    void restore(const number_record& record) { numbers_.apply(record); }
    void restore_held(const message_view& view, clock::time_point held_at);

    // One message (decoded, its sender from the topic).
    sequencer_result offer(const message_view& view, clock::time_point now);
    // Releases the held messages whose wait is over.
    sequencer_result tick(clock::time_point now);
    // After leaving `topic`: posts sent while we are not a member are never ours, so their
    // numbers are no gap; what was held there is shown.
    sequencer_result forget_numbers_of_topic(const std::string& topic);
    // After joining `topic` with topics.join's `numbers` ("<sender>[/<series>]" -> n).
    sequencer_result joined_topic(const std::string& topic, const nlohmann::json& numbers);

    bool has_seen(const std::string& sender, const std::string& id) const;
    // Shown from anyone (papo-server's pending list names ids only).
    bool has_seen_id(const std::string& id) const { return seen_.contains_last_word(id); }
    std::size_t held() const;
    struct held_message {
        message_view view;
        clock::time_point held_at;
    };
    std::vector<held_message> held_messages() const;
    const numbers_memory& numbers() const { return numbers_; }

    // The seen file's word for a message of `sender`.
    static std::string seen_word(const std::string& sender, const std::string& id) { return sender + " " + id; }

private:
    void show(message_view view, sequencer_result& out);
    void release(const numbering_key& key, sequencer_result& out);
    void acknowledge(const message_view& view, sequencer_result& out);

    seen_ids seen_;  // memory only: the file is the I/O layer's
    numbers_memory numbers_;
    std::map<numbering_key, std::map<std::uint64_t, held_message>> held_;
    std::chrono::milliseconds hold_limit_{10000};
};

}  // namespace papo
