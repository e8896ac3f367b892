#pragma once
// What every papo command needs: where the broker is, who we are, how to print.
#include "papo/messages.h"
#include "papo/client/outbox.h"
#include "papo/client/reader.h"
#include "papo/rpc.h"
#include "papo/session.h"

#include <chrono>
#include <string>
#include <vector>

namespace papo::cli {

struct context {
    session_options broker;  // URI, credentials, timeout
    std::string user;
    std::string state_dir;   // seen ids and spool of this user on this broker
    bool json = false;
    double wait_seconds = 0;
    // Unconfirmed messages are sent again when papo connects, at most this often each.
    std::chrono::seconds resend_after{30};
    // A DM that overtook an earlier one waits this long for it (see reader::set_hold_limit).
    std::chrono::milliseconds hold{10000};
};

// Each returns the process exit status; errors are thrown as papo::error.
int send_direct(const context& c, const std::string& to, const std::string& text);
int post_to_topic(const context& c, const std::string& topic, const std::string& text);
int join_topic(const context& c, const std::string& topic);
int leave_topic(const context& c, const std::string& topic);
int read_messages(const context& c);
int list_users(const context& c);
int list_topics(const context& c);
int interactive(const context& c);
int show_outbox(const context& c);

// Sends again what this user sent and no reader has confirmed yet (see papo/outbox.h);
// every command that connects as the user calls it first.
// Unchecked ones (sent while papo-server or the broker was away) are checked via `rpc` first.
void resend_unconfirmed(rpc_client& rpc, session& connection, const context& c, const std::string& me);
// Tells papo-server which of the ids it counts as waiting this reader has already
// shown: their receipt was lost in a crash, and the count must fall.
void confirm_already_seen(rpc_client& rpc, const reader& inbox, const nlohmann::json& pending_ids, const context& c);
// The line that says `reader` (or, for a post, every member) has one of our messages.
std::string delivered_line(const std::string& reader, const outbox_entry& entry);
// A post's outbox entry: kept until every member of the moment (from the topics.info
// answer `topic_info`, the sender left out) has confirmed it.
outbox_entry post_entry(const nlohmann::json& topic_info, const std::string& me, const chat_message& m);
// Subscribes the user's queue to its inbox, receipts and joined topics again: idempotent,
// and it remakes a session that a crashed broker lost (its messages come back from the
// senders' outboxes).
void ensure_subscriptions(session& queue, const std::string& me, const std::vector<std::string>& joined);
// The topics `me` has joined, from papo-server.
std::vector<std::string> joined_topics(rpc_client& rpc, const context& c, const std::string& me);
// How papo shows that `reader` confirmed one of our messages.
void show_delivered(const context& c, const std::string& reader, const outbox_entry& entry);

// Ctrl-C, kill (SIGTERM) or a closed terminal (SIGHUP) then end `read` and interactive
// papo the way their normal end does: the message being shown is finished and recorded,
// receipts go out, nothing is shown twice next time. A second signal stops at once.
void stop_gracefully_on_signals();
// The signal that asked us to stop, or 0.
int stop_signal_received();
// Says so on stderr; returns the exit status (128 + signal).
int stopped_by_signal();

// The user's own session (the offline queue): persistent, resumed, with the
// presence will when `announce_presence` is set.
session_options user_session_options(const context& c, bool announce_presence);
// A clean, short-lived connection of ours beside the queue: <me>~<purpose>-<hex>.
session_options helper_session_options(const context& c, const std::string& me, const std::string& purpose, bool reconnect);
// Whether the retained presence says "online" since a moment later than `our_since`:
// then another papo of this user announced itself after us and holds the queue, and
// reconnecting would take it back (Mosquitto 2.0.11 just closes the socket of the one
// taken over, so a lost connection looks the same). An older "online", restored by a
// broker that crashed, is not another login.
bool another_login_since(const context& c, const std::string& me, const std::string& our_since);

}  // namespace papo::cli
