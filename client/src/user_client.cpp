#include "papo/client/user_client.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/names.h"
#include "papo/state_file.h"
#include "papo/topics.h"

#include <algorithm>
#include <fstream>
#include <map>

namespace papo {

bool can_wait_in_outbox(const error& e) {
    switch (e.kind()) {
        case error_kind::unreachable:      // session::connect: nothing accepts the connection
        case error_kind::no_answer:        // papo-server is away
        case error_kind::connection_lost:  // the broker went away meanwhile
            return true;
        default:
            return false;
    }
}

session_options user_session_options(const client_config& c, bool announce_presence) {
    session_options options = c.broker;
    options.client_id = c.user;
    options.persistent = true;
    options.clean_start = false;  // resume the queue, never wipe it
    if (announce_presence) options.will = will_message{topics::presence(c.user), encode(presence{false, now_text()}), true};
    return options;
}

session_options helper_session_options(const client_config& c, const std::string& me, const std::string& purpose, bool reconnect) {
    session_options o = c.broker;
    o.client_id = me + "~" + purpose + "-" + random_hex(6);
    o.persistent = false;
    o.clean_start = true;
    o.auto_reconnect = reconnect;
    o.will.reset();
    return o;
}

void ensure_subscriptions(session& queue, const std::string& me, const std::vector<std::string>& joined) {
    try {
        // Its retained value comes at every subscribe: a broker start we have not seen.
        queue.subscribe({topics::broker_epoch}, 1);
    } catch (const error&) {
        // A broker without papo_guard or an older account setup: outboxes are resent on their timer.
    }
    queue.subscribe({topics::inbox_filter(me), topics::receipt_filter(me)}, 1);
    std::vector<std::string> posts;
    for (const auto& t : joined) posts.push_back(topics::post_filter(t));
    queue.subscribe(posts, 1, /*no_local=*/true);
}

outbox_entry post_entry(const topic_info& topic, const std::string& me, const chat_message& m) {
    outbox_entry entry;
    entry.topic = topic.name;
    for (const auto& member : topic.members)
        if (member != me) entry.waiting.push_back(member);
    entry.id = m.id;
    entry.text = m.text;
    entry.sent_at = m.sent_at;
    return entry;
}

user_client::user_client(client_config config, client_events& events)
    : config_(std::move(config)), events_(events) {
    reconnect_server();
    if (config_.user.empty()) return;
    try {
        me_ = api_->user(config_.user).name;
    } catch (const error& e) {
        if (e.kind() != error_kind::no_such_user) throw;
        throw error(e.kind(), std::string(e.what()) + " (ask the manager: papo-admin users add " + config_.user + ")");
    }
}

void user_client::reconnect_server() {
    auto fresh = std::make_unique<rpc_client>(config_.broker, config_.user.empty() ? "papo-who" : config_.user);
    api_ = std::make_unique<server_api>(*fresh, config_.broker.timeout);
    rpc_ = std::move(fresh);
}

std::string user_client::require_me() const {
    if (me_.empty()) throw error(error_kind::usage, "say who you are with --user NAME (or PAPO_USER)");
    return me_;
}

namespace {
// A post is owed only to those still members: one who left (or whose account was
// removed) will never confirm it, so they stop counting; a removed topic ends it.
// False when nobody is owed it any more. `members` caches topics.info per topic.
bool still_owed_to_members(server_api& api, outbox& box, const outbox_entry& e, client_events& events,
                           std::map<std::string, std::set<std::string>>& members) {
    if (!members.count(e.topic)) {
        try {
            auto& now = members[e.topic];
            for (const auto& m : api.topic(e.topic).members) now.insert(m);
        } catch (const error& why) {
            members.erase(e.topic);
            if (why.kind() != error_kind::no_such_topic) return true;  // ask again later
            box.drop(e.id);
            events.notice("your post to #" + e.topic + " (\"" + e.text.substr(0, 40) + "\") is no longer sent again: " + why.what());
            return false;
        }
    }
    bool owed = false;
    for (const auto& reader : e.waiting) {
        if (members[e.topic].count(reader)) owed = true;
        else box.confirm(reader, {e.id});  // not a member any more: nothing to wait for
    }
    return owed;
}
}  // namespace

bool user_client::note_broker_epoch(const inbound& message) {
    if (message.topic != topics::broker_epoch) return false;
    if (message.payload.empty() || config_.state_dir.empty()) return true;
    std::string epoch;
    try {
        epoch = decode<broker_epoch>(message.payload).epoch;
    } catch (const error&) {
        return true;
    }
    const std::string path = config_.state_dir + "/broker-epoch";
    std::ifstream saved(path);
    std::string known;
    std::getline(saved, known);
    if (known == epoch) return true;
    // The first epoch this state folder sees is only noted: nothing tells that it is new.
    if (!known.empty()) try {
        resend(std::chrono::seconds(0));
    } catch (const error& e) {
        // Not marked as seen: the epoch comes again at the next connection's subscribe.
        events_.notice(std::string("(the broker restarted; resending the outbox failed: ") + e.what() + ")");
        return true;
    }
    if (!replace_file(path, epoch + "\n")) events_.notice("cannot save the broker's epoch in " + path);
    return true;
}

void user_client::resend_unconfirmed() { resend(config_.resend_after); }

outbox& user_client::kept_outbox() {
    if (!outbox_) outbox_ = std::make_unique<outbox>(config_.state_dir);
    return *outbox_;
}

void user_client::resend(std::chrono::seconds quiet) {
    if (config_.state_dir.empty() || me_.empty()) return;
    outbox& box = kept_outbox();
    const auto due = box.due_for_resend(quiet);
    std::map<std::string, std::set<std::string>> topic_members;
    for (auto e : due) {
        if (e.unchecked) {  // taken while papo-server or the broker was away: check the name now
            try {
                if (e.topic.empty()) {
                    e.to = api_->user(e.to).name;
                    box.checked(e.id, e.to);
                } else {
                    const auto topic = post_entry(api_->topic(e.topic), me_, box.published(e));
                    e.topic = topic.topic;
                    e.waiting = topic.waiting;
                    box.checked_post(e.id, e.topic, e.waiting);
                    if (e.waiting.empty()) {
                        box.drop(e.id);  // nobody else in it: nobody to send it to
                        continue;
                    }
                }
            } catch (const error& why) {
                if (why.kind() != error_kind::no_such_user && why.kind() != error_kind::no_such_topic) continue;  // later
                box.drop(e.id);
                events_.notice("your message to " + (e.topic.empty() ? e.to : "#" + e.topic) + " (\"" + e.text.substr(0, 40) +
                               "\") cannot be delivered: " + why.what());
                continue;
            }
        }
        if (!e.topic.empty() && !still_owed_to_members(*api_, box, e, events_, topic_members)) continue;
        const std::string where = e.topic.empty() ? topics::inbox(e.to, me_) : topics::post(e.topic, me_);
        out().publish_async(where, encode(box.published(e)));
    }
    if (!due.empty()) out().flush();
}

send_result user_client::queue_unchecked(outbox_entry entry, const std::string& shown_to, const std::string& why) {
    // Nobody to ask: the outbox keeps it, and the next papo that connects checks the
    // name and sends it (or says it cannot be delivered).
    entry.unchecked = true;
    kept_outbox().add(entry);
    send_result result{send_result::status::queued, entry.id, shown_to, entry.sent_at, entry.text, why};
    record(sent_view(me_, result, entry.topic.empty()));
    return result;
}

std::unique_ptr<local_history> open_local_history(const client_config& c) {
    if (c.state_dir.empty() || c.user.empty()) return nullptr;
    return std::make_unique<local_history>(local_history::file_in(c.state_dir), c.history_days);
}

message_view sent_view(const std::string& me, const send_result& r, bool direct) {
    message_view m;
    m.direct = direct;
    m.from = me;
    if (direct) m.to = r.to;
    else m.topic = !r.to.empty() && r.to[0] == '#' ? r.to.substr(1) : r.to;
    m.id = r.id;
    m.text = r.text;
    m.sent_at = r.sent_at;
    return m;
}

local_history* user_client::local_log() {
    if (!history_ && !history_failed_ && !me_.empty()) {
        try {
            client_config c = config_;
            c.user = me_;
            history_ = open_local_history(c);
        } catch (const error& e) {
            history_failed_ = true;
            events_.notice(std::string("no local history: ") + e.what());
        }
    }
    return history_.get();
}

void user_client::record(const message_view& m) {
    if (auto* log = local_log()) {
        try {
            log->record(m, me_);
        } catch (const error&) {
            // the message went all the same; the history is a convenience
        }
    }
}

send_result user_client::send(const std::string& to, const std::string& text) { return send(to, make_message(text)); }

send_result user_client::send(const std::string& to, const chat_message& message) {
    const std::string me = require_me();
    std::string recipient;
    try {
        recipient = api_->user(to).name;
    } catch (const error& e) {
        if (!can_wait_in_outbox(e) || config_.state_dir.empty()) throw;
        require_valid_name(to, "user");
        return queue_unchecked(dm_entry(to, message.id, message.text, message.sent_at), to, e.what());
    }
    // Durable first: from here on papo answers for the message until the reader confirms it.
    outbox& box = kept_outbox();
    const auto kept = box.add(dm_entry(recipient, message.id, message.text, message.sent_at));
    send_result result{send_result::status::sent, message.id, recipient, message.sent_at, message.text, ""};
    try {
        out().publish(topics::inbox(recipient, me), encode(box.published(kept)));
    } catch (const error& e) {
        result.state = send_result::status::queued;
        result.reason = std::string("the broker did not confirm: ") + e.what();
    }
    record(sent_view(me, result, true));
    return result;
}

send_result user_client::post(const std::string& topic, const std::string& text) { return post(topic, make_message(text)); }

send_result user_client::post(const std::string& topic, const chat_message& message) {
    const std::string me = require_me();
    topic_info info;
    try {
        info = api_->topic(topic);
    } catch (const error& e) {
        if (!can_wait_in_outbox(e) || config_.state_dir.empty()) throw;
        require_valid_name(topic, "topic");
        outbox_entry entry;
        entry.topic = topic;
        entry.id = message.id;
        entry.text = message.text;
        entry.sent_at = message.sent_at;
        return queue_unchecked(entry, "#" + topic, e.what());
    }
    const outbox_entry entry = post_entry(info, me, message);
    chat_message published = message;
    outbox& box = kept_outbox();
    if (!entry.waiting.empty()) published = box.published(box.add(entry));
    send_result result{send_result::status::sent, message.id, "#" + info.name, message.sent_at, message.text, ""};
    try {
        out().publish(topics::post(info.name, me), encode(published));
    } catch (const error& e) {
        if (entry.waiting.empty()) throw;
        result.state = send_result::status::queued;
        result.reason = std::string("the broker did not confirm: ") + e.what();
    }
    record(sent_view(me, result, false));
    return result;
}

membership_change user_client::join(const std::string& topic, session& queue, reader& numbering) {
    require_me();
    const std::string name = api_->topic(topic).name;
    queue.subscribe({topics::post_filter(name)}, 1, /*no_local=*/true);
    membership_change answer;
    try {
        answer = api_->join(name);
    } catch (const error&) {
        queue.unsubscribe({topics::post_filter(name)});
        throw;
    }
    answer.name = name;
    if (answer.changed) numbering.joined_topic(name, answer.numbers);  // posts from before we joined leave no gap
    return answer;
}

membership_change user_client::leave(const std::string& topic, session& queue, reader& numbering) {
    require_me();
    const auto answer = api_->leave(topic);
    queue.unsubscribe({topics::post_filter(answer.name)});
    numbering.forget_numbers_of_topic(answer.name);
    return answer;
}

std::vector<user_entry> user_client::users(nlohmann::json* raw) { return api_->users(raw); }

std::vector<topic_entry> user_client::topics(std::set<std::string>* joined, nlohmann::json* raw) {
    auto list = api_->topics(raw);
    if (joined && !me_.empty())
        for (const auto& t : api_->user(me_).topics) joined->insert(t);
    return list;
}

std::vector<message_view> user_client::history(const std::string& topic, std::size_t limit) {
    std::vector<message_view> out;
    for (const auto& post : api_->history(topic, limit).posts) {
        message_view m;
        m.direct = false;
        m.from = post.from;
        m.topic = topic;
        m.id = post.message.id;
        m.text = post.message.text;
        m.sent_at = post.message.sent_at;
        m.seq = post.message.seq;
        m.history = true;
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<std::string> user_client::joined_topics() { return api_->user(require_me()).topics; }

std::set<std::string> user_client::settle_pending(const reader& inbox) {
    std::vector<std::string> seen;
    std::set<std::string> expected;
    for (const auto& id : api_->pending()) {
        if (inbox.has_seen(id)) seen.push_back(id);
        else expected.insert(id);
    }
    api_->confirm(seen);
    return expected;
}

namespace {
// A one-shot send or post: connect, resend, then `go`; when papo-server or the broker
// cannot be reached at all, `offline` (the message's entry, as typed) waits unchecked.
send_result once(const client_config& c, client_events& events, const chat_message& message, outbox_entry offline,
                 const std::string& name, const char* what, const std::string& shown_to,
                 const std::function<send_result(user_client&)>& go) {
    std::unique_ptr<user_client> client;
    try {
        client = std::make_unique<user_client>(c, events);
        client->resend_unconfirmed();
    } catch (const error& e) {
        if (!can_wait_in_outbox(e) || c.state_dir.empty() || c.user.empty()) throw;
        require_valid_name(name, what);
        offline.unchecked = true;
        outbox(c.state_dir).add(offline);
        send_result result{send_result::status::queued, message.id, shown_to, message.sent_at, message.text, e.what()};
        try {
            if (auto log = open_local_history(c)) log->record(sent_view(c.user, result, offline.topic.empty()), c.user);
        } catch (const error&) {
        }
        return result;
    }
    return go(*client);
}
}  // namespace

send_result send_once(const client_config& c, const std::string& to, const std::string& text, client_events& events) {
    const chat_message message = make_message(text);  // refuse bad text before touching the network
    return once(c, events, message, dm_entry(to, message.id, message.text, message.sent_at), to, "user", to,
                [&](user_client& client) { return client.send(to, message); });
}

send_result post_once(const client_config& c, const std::string& topic, const std::string& text, client_events& events) {
    const chat_message message = make_message(text);
    outbox_entry entry;
    entry.topic = topic;
    entry.id = message.id;
    entry.text = message.text;
    entry.sent_at = message.sent_at;
    return once(c, events, message, entry, topic, "topic", "#" + topic, [&](user_client& client) { return client.post(topic, message); });
}

queue_for_a_moment::queue_for_a_moment(user_client& client)
    : queue_(user_session_options(client.config(), false)),
      keeper_(queue_, client.me(), client.config().state_dir, [](const message_view&) {}) {
    queue_.connect();
}

queue_for_a_moment::~queue_for_a_moment() {
    // Messages that reached a one-shot command go to the spool, shown by the next read.
    try {
        // join/leave: what came before the disconnect is already queued, and a
        // confirmed disconnect leaves nothing on its way in (reader.h).
        keeper_.keep_the_rest(std::chrono::milliseconds(0));
        keeper_.keep_the_rest_after_disconnect(queue_.disconnect());
    } catch (const std::exception&) {
    }
}

}  // namespace papo

namespace papo {

namespace {
read_result read_connected(user_client& client, const read_options& options, session& queue, const std::string& since);
}

read_result read_messages(user_client& client, const read_options& options) {
    const auto& c = client.config();
    const std::string me = client.me();
    if (me.empty()) throw error(error_kind::usage, "say who you are with --user NAME (or PAPO_USER)");
    client.resend_unconfirmed();
    const std::string since = now_text();
    session queue(user_session_options(c, true));
    queue.connect();
    // From here Paho acknowledges what the broker hands over: a read that fails (a
    // papo-server killed while it asks users.pending, say) keeps what came for the next
    // read instead of losing it with the session (the chaos run lost 27 so).
    try {
        return read_connected(client, options, queue, since);
    } catch (...) {
        try {
            reader keeper(queue, me, c.state_dir, [](const message_view&) {});
            keeper.keep_the_rest_after_disconnect(queue.disconnect());
        } catch (const std::exception& e) {
            log_warn(std::string("could not keep what this read had received: ") + e.what());
        }
        throw;
    }
}

namespace {
read_result read_connected(user_client& client, const read_options& options, session& queue, const std::string& since) {
    const auto stopped = [&options] { return options.stop && options.stop(); };
    const auto& c = client.config();
    const std::string me = client.me();
    client_events& events = client.events();
    publish_options retained;
    retained.retained = true;
    queue.publish(topics::presence(me), encode(presence{true, since}), retained);

    const auto joined = client.joined_topics();
    ensure_subscriptions(queue, me, joined);
    reader inbox(queue, me, c.state_dir, [&events](const message_view& m) { events.message(m); });
    inbox.set_hold_limit(c.hold);
    inbox.on_delivered([&events](const std::string& who, const outbox_entry& e) { events.delivered(who, e); });
    inbox.set_online_since(since);
    inbox.record_in(client.local_log());
    inbox.show_spooled();

    // papo-server knows which messages wait for us; wait until each has arrived,
    // so that "read" without --wait prints the whole queue and then stops.
    std::set<std::string> expected = client.settle_pending(inbox);
    const auto start = std::chrono::steady_clock::now();
    auto last_arrival = start;
    bool asked_replay = false;
    const auto deadline = start + options.wait;
    supervisor_options watch;
    watch.stop = [&] { return stopped() || std::chrono::steady_clock::now() >= deadline; };
    watch.on_state = [&events](const connection_state& s) { events.connection(s); };
    // (The probe for another login runs once, below, before the supervisor is asked.)
    supervisor reconnects(queue, watch);
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        // Done when every id papo-server counts for us has come and the line has been
        // quiet for 30 ms (it may hold what the server does not count, e.g. after a
        // broker crash), or nothing came for 1.5 s.
        const bool backlog_done = (expected.empty() && now - last_arrival > std::chrono::milliseconds(30)) ||
                                  now - last_arrival > std::chrono::milliseconds(1500) || now - start > std::chrono::seconds(30);
        if (backlog_done && !expected.empty() && !asked_replay) {
            // papo-server counts these for us but the broker has nothing more: a reader of
            // ours was killed after taking them. Its store has them: ask for them once.
            asked_replay = true;
            try {
                if (client.server().replay({expected.begin(), expected.end()})) last_arrival = now;
            } catch (const error&) {
                // papo-server away: the senders' outboxes bring them, or the next read asks again.
            }
            continue;
        }
        if ((backlog_done && now >= deadline) || stopped()) break;
        inbox.tick();
        auto message = queue.next(std::chrono::milliseconds(20));
        if (!message) {
            try {
                inbox.send_receipts();
            } catch (const error&) {
                // The broker went away while receipts were on their way: next() reports
                // the lost connection and the supervisor takes over (a receipt that did
                // not arrive is sent again for the sender's resend; repeats are confirmed).
                if (queue.connected()) throw;
            }
            continue;
        }
        if (message->connection_lost) {
            inbox.keep_the_rest();
            if (queue.taken_over() || another_login_since(helper_session_options(c, me, "probe", false), me, since))
                throw error(error_kind::taken_over, "another papo of " + me + " took over the queue; this read stops (what it had is kept)");
            if (std::chrono::steady_clock::now() >= deadline)
                throw error(error_kind::connection_lost, "lost the connection to the broker (what it had is kept)");
            switch (reconnects.recover()) {
                case recovery::reconnected: break;
                case recovery::login_refused: throw error(error_kind::login_refused, reconnects.refusal());
                case recovery::taken_over:
                    throw error(error_kind::taken_over, "another papo of " + me + " took over the queue; this read stops (what it had is kept)");
                case recovery::stopped:
                    throw error(error_kind::connection_lost, stopped() ? "stopped while the broker was away (what it had is kept)"
                                                                       : "lost the connection to the broker (what it had is kept)");
            }
            queue.publish(topics::presence(me), encode(presence{true, since}), retained);
            ensure_subscriptions(queue, me, joined);  // a broker that crashed may have lost them
            inbox.show_spooled();
            last_arrival = std::chrono::steady_clock::now();
            continue;
        }
        if (client.note_broker_epoch(*message)) continue;
        inbox.handle(*message);
        try {
            expected.erase(decode<chat_message>(message->payload).id);
        } catch (const error&) {
        }
        last_arrival = std::chrono::steady_clock::now();
    }
    inbox.tick();
    inbox.send_receipts();
    queue.publish(topics::presence(me), encode(presence{false, now_text()}), retained);
    // What arrived after the last receipt is shown by the next read.
    inbox.keep_the_rest_after_disconnect(queue.disconnect());
    read_result result;
    result.shown = inbox.shown();
    result.held = inbox.held();
    result.stopped = stopped();
    if (result.held) events.held(result.held);
    return result;
}
}  // namespace

}  // namespace papo
