#pragma once
// The user's side of papo as operations that papo's one-shot commands and its chat
// share, so that they cannot behave differently: send, post, join, leave, users,
// topics, read, outbox. Each returns a typed result; refusals are papo::error with a
// kind; what happens meanwhile (a message shown, a delivery confirmed, messages held,
// the connection's state, a notice) goes to a client_events listener instead of being
// printed. client/papo/ only parses options and displays.
#include "papo/client/history.h"
#include "papo/client/outbox.h"
#include "papo/client/reader.h"
#include "papo/client/server_api.h"
#include "papo/rpc.h"
#include "papo/session.h"
#include "papo/supervisor.h"

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace papo {

struct client_config {
    session_options broker;  // URI, credentials, timeout
    std::string user;        // empty: anonymous (who, topics only)
    std::string state_dir;   // state_dir.h; empty: no outbox, nothing kept
    // Unconfirmed messages are sent again when papo connects, at most this often each.
    std::chrono::seconds resend_after{30};
    // A DM that overtook an earlier one waits this long for it (see reader::set_hold_limit).
    std::chrono::milliseconds hold{10000};
    // The local history (history.h) keeps messages this many days; 0 keeps none.
    int history_days = 365;
};

// What happens while an operation runs.
class client_events {
public:
    virtual ~client_events() = default;
    virtual void message(const message_view&) {}
    // `reader` (for a post: the last member) confirmed one of our messages.
    virtual void delivered(const std::string& /*reader*/, const outbox_entry&) {}
    // At the end of a read: messages held back for earlier ones of their senders.
    virtual void held(std::size_t /*count*/) {}
    virtual void connection(const connection_state&) {}
    // Something the user should know that is no result ("your message to x cannot be delivered").
    virtual void notice(const std::string& /*text*/) {}
};

struct send_result {
    enum class status { sent, queued };
    status state = status::sent;
    std::string id;
    std::string to;  // "bob", or "#lobby" for a post
    std::string sent_at;
    std::string text;
    std::string reason;  // queued: why it could not go now
};

// The broker or papo-server cannot be reached (not: the login was refused, or a request
// was refused): a message can then wait in the outbox.
bool can_wait_in_outbox(const error& e);

// The user's own session (the offline queue): persistent, resumed, with the presence
// will when `announce_presence` is set.
session_options user_session_options(const client_config& c, bool announce_presence);
// A clean, short-lived connection of ours beside the queue: <me>~<purpose>-<hex>.
session_options helper_session_options(const client_config& c, const std::string& me, const std::string& purpose, bool reconnect);
// Subscribes the user's queue to its inbox, receipts and joined topics again: idempotent,
// and it remakes a session that a crashed broker lost.
void ensure_subscriptions(session& queue, const std::string& me, const std::vector<std::string>& joined);
// A post's outbox entry: kept until every member of the moment (the sender left out)
// has confirmed it.
outbox_entry post_entry(const topic_info& topic, const std::string& me, const chat_message& m);

class user_client {
public:
    // Connects to papo-server (a request connection of its own) and confirms that the
    // user is registered, with its exact spelling (no_such_user says whom to ask). Sends
    // nothing again: resend_unconfirmed() is for the operations that send or read.
    user_client(client_config config, client_events& events);

    const std::string& me() const { return me_; }
    const client_config& config() const { return config_; }
    client_events& events() { return events_; }
    server_api& server() { return *api_; }
    // Where send, post and resends publish: the request connection unless the chat
    // points it at its queue or mirror.
    void publish_through(session* out) { out_ = out; }
    session& out() { return out_ ? *out_ : rpc_->connection(); }
    // A new request connection (after the broker came back).
    void reconnect_server();

    // Sends again what this user sent and no reader has confirmed (outbox.h); unchecked
    // ones (taken while papo-server or the broker was away) are checked first, and those
    // to no such user dropped with a notice.
    void resend_unconfirmed();
    // broker/epoch (true when `message` is it, which is then taken here): a broker start
    // after the one this state folder last saw may have lost what it held, so everything
    // unconfirmed is sent again now rather than after --resend-after. The epoch seen is
    // kept in the state folder (the first one is only noted).
    bool note_broker_epoch(const inbound& message);
    // A DM. Queued (kept in the outbox, sent when papo next connects) when papo-server
    // or the broker cannot be reached; refused (no_such_user...) otherwise.
    send_result send(const std::string& to, const std::string& text);
    send_result send(const std::string& to, const chat_message& message);
    // A post to every member of `topic`; queued like a DM.
    send_result post(const std::string& topic, const std::string& text);
    send_result post(const std::string& topic, const chat_message& message);
    // Subscribes `queue` first, then tells papo-server: every post it counts for us is
    // then one our session holds. `numbering` learns where each sender stands.
    membership_change join(const std::string& topic, session& queue, reader& numbering);
    // papo-server stops counting first, then the queue stops receiving.
    membership_change leave(const std::string& topic, session& queue, reader& numbering);
    std::vector<user_entry> users(nlohmann::json* raw = nullptr);
    // The topics; `joined` gets those the user joined.
    std::vector<topic_entry> topics(std::set<std::string>* joined = nullptr, nlohmann::json* raw = nullptr);
    std::vector<std::string> joined_topics();
    // The topic's last posts (topics.history, members only), oldest first, marked history.
    std::vector<message_view> history(const std::string& topic, std::size_t limit = 0);
    // Tells papo-server which of the ids it counts as waiting this reader has already
    // shown (their receipt was lost in a crash); returns the ids still to come.
    std::set<std::string> settle_pending(const reader& inbox);
    // The user's local history (history.h), opened at the first use; nullptr without a
    // state folder or user, or when it cannot be opened (said once as a notice). Sends
    // and posts are recorded here; give it to a reader (reader::record_in) for what is shown.
    local_history* local_log();
    // Keeps `m` in the local history if there is one; never throws.
    void record(const message_view& m);

private:
    std::string require_me() const;
    // One outbox for the life of this client: it reads the file again only when it changed
    // under it, not at every send (5,000 /msg in a chat replayed it 5,000 times).
    outbox& kept_outbox();
    void resend(std::chrono::seconds quiet);
    send_result queue_unchecked(outbox_entry entry, const std::string& shown_to, const std::string& why);

    client_config config_;
    client_events& events_;
    std::unique_ptr<rpc_client> rpc_;
    std::unique_ptr<server_api> api_;
    session* out_ = nullptr;
    std::string me_;
    std::unique_ptr<outbox> outbox_;
    std::unique_ptr<local_history> history_;
    bool history_failed_ = false;
};

// The local history of `c`'s user (nullptr without a state folder or user); throws when
// it cannot be opened.
std::unique_ptr<local_history> open_local_history(const client_config& c);
// A message this user sent (or queued), as the history keeps it.
message_view sent_view(const std::string& me, const send_result& r, bool direct);

// `papo send` / `papo post`: connects, resends, sends; when papo-server or the broker
// cannot be reached at all the message is queued unchecked.
send_result send_once(const client_config& c, const std::string& to, const std::string& text, client_events& events);
send_result post_once(const client_config& c, const std::string& topic, const std::string& text, client_events& events);

struct read_options {
    std::chrono::milliseconds wait{0};  // keep reading this long after the backlog
    std::function<bool()> stop;         // a signal: end the way the normal end does
};
struct read_result {
    std::size_t shown = 0;
    std::size_t held = 0;
    bool stopped = false;  // by read_options::stop
};
// `papo read [--wait]`: shows what waits (the spool, then the queue until papo-server's
// count is met), then new messages while the wait lasts, reconnecting with the
// supervisor. Throws taken_over when another papo of the user took the queue, and the
// refused login or connection_lost when it cannot go on (what it had is kept).
read_result read_messages(user_client& client, const read_options& options);

// Opens the user's queue for a one-shot change (join, leave) and closes it keeping
// whatever it delivered meanwhile in the spool.
class queue_for_a_moment {
public:
    explicit queue_for_a_moment(user_client& client);
    ~queue_for_a_moment();
    session& queue() { return queue_; }
    reader& keeper() { return keeper_; }

private:
    session queue_;
    reader keeper_;
};

}  // namespace papo
