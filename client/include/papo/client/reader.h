#pragma once
// The receiving side of a user's session, shared by `papo read`, interactive mode
// and the one-shot commands that must open the session (join, leave):
// decode, drop repeats by id, show, then acknowledge with receipts so that
// papo-server's queue counts fall. Messages a one-shot command could not show
// are kept in a local spool and shown first next time.
//
// The I/O layer over the sequencer (sequencer.h, which decides): the session, the
// spool, receipts and the state files (seen, seq_from, held.jsonl, spool.jsonl), shared
// with other papo processes of the user by the rule in state_dir.h.
#include "papo/client/history.h"
#include "papo/client/message_view.h"
#include "papo/client/outbox.h"
#include "papo/client/seen_ids.h"
#include "papo/client/sequencer.h"
#include "papo/client/state_dir.h"
#include "papo/session.h"

#include <cstdint>
#include <chrono>
#include <functional>
#include <optional>

#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace papo {

class reader {
public:
    using show_fn = std::function<void(const message_view&)>;
    // A message of ours that `reader` confirmed (its receipt came back).
    using delivered_fn = std::function<void(const std::string& reader, const outbox_entry&)>;
    // state_dir holds the seen ids and the spool of this user on this broker.
    reader(session& connection, std::string me, std::string state_dir, show_fn show);

    // The time the session was opened: messages sent before it waited for us.
    void set_online_since(std::string rfc3339) { online_since_ = std::move(rfc3339); }
    void on_delivered(delivered_fn fn) { delivered_fn_ = std::move(fn); }
    // Every message shown is also kept in `log` (history.h; nullptr: nowhere).
    void record_in(local_history* log) { history_ = log; }

    // Handles one inbound message; returns true when it was a chat message
    // (shown, or dropped as a repeat), false for anything else.
    bool handle(const inbound& message);
    // Keeps a message for later instead of showing it (one-shot commands).
    bool spool(const inbound& message);
    // Spools whatever the connection still holds (after a disconnect, or in a
    // one-shot command that shows nothing), so nothing Paho took is lost: until the
    // connection has been quiet for `quiet`. Paho C acknowledges a QoS 1 message before
    // it hands it to us: after a disconnect session::disconnect() confirmed, nothing is
    // on its way (quiet 0 is enough); after one it did not, or a lost connection, a
    // message may still be.
    void keep_the_rest(std::chrono::milliseconds quiet = std::chrono::milliseconds(50));
    // After queue.disconnect() returned `confirmed`.
    void keep_the_rest_after_disconnect(bool confirmed) {
        keep_the_rest(confirmed ? std::chrono::milliseconds(0) : std::chrono::milliseconds(50));
    }
    // Shows what an earlier one-shot command spooled.
    void show_spooled();
    // Publishes receipts for everything shown since the last call.
    void send_receipts();
    // A message that comes before an earlier one of the same sender (its number jumps;
    // DMs are numbered per recipient, posts per topic) is
    // held back, so each sender's messages are shown in order, until the gap fills
    // (the sender's outbox sends the missing one again) or `limit` passes; then it is
    // shown with a note of how many are missing. Held messages are kept in the state
    // folder (held.jsonl) across runs. Zero shows at once.
    void set_hold_limit(std::chrono::milliseconds limit) { sequencer_.set_hold_limit(limit); }
    // Shows held messages whose wait is over; call it regularly.
    void tick();
    std::size_t held() const { return sequencer_.held(); }
    // After leaving a topic: posts sent while we are not a member are never ours, so
    // their numbers are no gap. Forgets the topic's numbers.
    void forget_numbers_of_topic(const std::string& topic);
    // After joining: `numbers` (topics.join's answer: "<sender>[/<series>]" -> highest
    // post number papo-server saw) are where each sender stands; any other sender starts
    // from 1. So a first post that overtook an earlier one made after we joined waits
    // for it, and posts from before we joined are no gap.
    void joined_topic(const std::string& topic, const nlohmann::json& numbers);

    std::size_t shown() const { return shown_; }
    std::size_t repeats() const { return repeats_; }
    std::size_t malformed() const { return malformed_; }
    // Shown from anyone: papo-server's pending list names ids only.
    bool has_seen(const std::string& id) const { return sequencer_.has_seen_id(id); }

private:
    std::optional<message_view> view_of(const inbound& message);
    // Carries out the sequencer's steps in order: show, acknowledge, record.
    void apply(const sequencer_result& result);
    void append_numbers(const std::vector<number_record>& records) const;
    void compact_numbers() const;
    void load_held();
    void save_held();
    // Receipts for our own messages clear them from the outbox; true when it was one.
    bool take_receipt(const inbound& message);

    session& connection_;
    std::string me_;
    state_dir dir_;
    std::string spool_file_;
    std::string seq_file_;
    std::string held_file_;
    std::string online_since_;
    seen_ids seen_;  // the seen file's log ("~" marks); decisions are the sequencer's
    sequencer sequencer_;
    outbox outbox_;
    show_fn show_fn_;
    delivered_fn delivered_fn_;
    local_history* history_ = nullptr;
    std::map<std::string, std::vector<std::string>> unreceipted_;  // sender -> ids
    std::size_t shown_ = 0, repeats_ = 0, malformed_ = 0;
};

}  // namespace papo
