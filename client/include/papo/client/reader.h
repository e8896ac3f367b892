#pragma once
// The receiving side of a user's session, shared by `papo read`, interactive mode
// and the one-shot commands that must open the session (join, leave):
// decode, drop repeats by id, show, then acknowledge with receipts so that
// papo-server's queue counts fall. Messages a one-shot command could not show
// are kept in a local spool and shown first next time.
#include "papo/client/outbox.h"
#include "papo/client/seen_ids.h"
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

// One message as a person or a script sees it.
struct message_view {
    bool direct = true;      // DM, else a topic post
    std::string from;
    std::string to;          // DM: the recipient
    std::string topic;       // post: the topic
    std::string id;
    std::string text;
    std::string sent_at;
    bool waited = false;     // it waited in the queue while the reader was offline
    std::optional<std::uint64_t> seq;  // the sender's number for messages to this reader
    std::optional<std::uint64_t> through;  // a DM: the sender knows we confirmed all up to here
    std::string series;                    // the sender's numbering series (its outbox)
    std::uint64_t missing_before = 0;  // how many of the sender's earlier ones have not come
    bool late = false;                 // it came after a later one of the same sender
    // An earlier run of papo died while showing it (SIGKILL between showing and
    // recording): it may already be on the screen. Never set otherwise.
    bool maybe_repeat = false;
};
nlohmann::json to_json_line(const message_view& m);
std::string format_for_people(const message_view& m);

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

    // Handles one inbound message; returns true when it was a chat message
    // (shown, or dropped as a repeat), false for anything else.
    bool handle(const inbound& message);
    // Keeps a message for later instead of showing it (one-shot commands).
    bool spool(const inbound& message);
    // Spools whatever the connection still holds (after a disconnect, or in a
    // one-shot command that shows nothing), so nothing Paho took is lost.
    void keep_the_rest();
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
    void set_hold_limit(std::chrono::milliseconds limit) { hold_limit_ = limit; }
    // Shows held messages whose wait is over; call it regularly.
    void tick();
    std::size_t held() const;
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
    bool has_seen(const std::string& id) const { return seen_.contains(id); }

private:
    std::optional<message_view> view_of(const inbound& message);
    void display(message_view view);
    void release(const std::string& key);
    void save_held() const;
    void load_held();
    // Receipts for our own messages clear them from the outbox; true when it was one.
    bool take_receipt(const inbound& message);
    void show(const message_view& view);

    session& connection_;
    std::string me_;
    std::string spool_file_;
    std::string online_since_;
    seen_ids seen_;
    outbox outbox_;
    show_fn show_fn_;
    delivered_fn delivered_fn_;
    std::map<std::string, std::vector<std::string>> unreceipted_;  // sender -> ids
    // The highest sequence number seen per numbering (sequence_key), kept in
    // <state>/seq_from: marks the view's gap or lateness; true when it moved on.
    bool note_sequence(message_view& view);
    void save_sequence(const std::string& key, std::uint64_t n) const;
    void compact_sequences() const;
    std::string seq_file_;
    std::map<std::string, std::uint64_t> last_seq_;
    std::set<std::string> numbered_topics_;  // joined with papo-server's numbers ("@topic 1" in seq_from)
    // Post numbers made before we joined ("^key n" in seq_from): a post sent again to the
    // topic for a member of that time reaches us too; it was never ours, so it is not
    // shown, only acknowledged (papo-server counted it for us when it came again).
    std::map<std::string, std::uint64_t> before_join_;
    struct held_message {
        message_view view;
        std::int64_t held_at_ms;  // wall clock, so a wait carries over to the next run
    };
    std::map<std::string, std::map<std::uint64_t, held_message>> held_;  // sequence_key -> seq -> message
    std::string held_file_;
    std::chrono::milliseconds hold_limit_{10000};
    std::size_t shown_ = 0, repeats_ = 0, malformed_ = 0;
};

// ~/.local/state/papo/<user>@<host_port> (or $XDG_STATE_HOME), created if missing.
std::string default_state_dir(const std::string& base, const std::string& user, const std::string& broker);

}  // namespace papo
