// The one-shot subcommands of papo, for people, scripts and devices.
#include "context.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/names.h"
#include "papo/client/reader.h"
#include "papo/rpc.h"
#include "papo/client/table.h"
#include "papo/topics.h"

#include <signal.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace papo::cli {
namespace {

// Confirms that `me` is registered, with its exact spelling.
std::string registered_name(rpc_client& rpc, const context& c) {
    if (c.user.empty()) throw error("say who you are with --user NAME (or PAPO_USER)");
    try {
        const std::string me = rpc.call("users.info", {{"name", c.user}}, c.broker.timeout).at("name").get<std::string>();
        resend_unconfirmed(rpc, rpc.connection(), c, me);
        return me;
    } catch (const error& e) {
        if (std::string(e.what()).rfind("no such user", 0) != 0) throw;
        throw error(std::string(e.what()) + " (ask the manager: papo-admin users add " + c.user + ")");
    }
}

}  // namespace

void confirm_already_seen(rpc_client& rpc, const reader& inbox, const nlohmann::json& pending_ids, const context& c) {
    std::vector<std::string> seen;
    for (const auto& id : pending_ids) {
        const auto text = id.get<std::string>();
        if (inbox.has_seen(text)) seen.push_back(text);
    }
    for (std::size_t start = 0; start < seen.size(); start += 1000) {
        const auto end = seen.begin() + static_cast<std::ptrdiff_t>(std::min(seen.size(), start + 1000));
        rpc.call("users.confirm", {{"ids", std::vector<std::string>(seen.begin() + static_cast<std::ptrdiff_t>(start), end)}},
                 c.broker.timeout);
    }
}

namespace {

int print_sent(const context& c, const chat_message& m, const std::string& where) {
    if (c.json) std::cout << nlohmann::json{{"id", m.id}, {"to", where}, {"sent_at", m.sent_at}, {"status", "sent"}}.dump() << "\n";
    else std::cout << "sent to " << where << " (id " << m.id.substr(0, 8) << ")\n";
    return 0;
}

// Ends a one-shot use of the user's session without losing what it delivered meanwhile.
// Messages that reached a one-shot command go to the spool, shown by the next read.
void close_keeping(session& s, reader& r) {
    r.keep_the_rest();
    s.disconnect();
    r.keep_the_rest();
}

// `read --wait`: the broker went away. Reconnects the queue with backoff (0.25 s,
// doubling to 8 s) while the wait lasts; false when it could not (or was stopped).
bool reconnect_until(session& queue, std::chrono::steady_clock::time_point deadline) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::cerr << "papo: lost the broker; reconnecting..." << std::endl;
    std::chrono::milliseconds backoff{250};
    while (!stop_signal_received()) {
        try {
            queue.connect();
            std::cerr << "papo: reconnected" << std::endl;
            return true;
        } catch (const error& e) {
            // The account was removed or its password changed: retrying cannot help.
            if (std::string(e.what()).find("refused the login") != std::string::npos) throw;
        }
        const auto retry_at = std::chrono::steady_clock::now() + backoff;
        if (retry_at >= deadline) return false;
        while (!stop_signal_received() && std::chrono::steady_clock::now() < retry_at)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(8));
    }
    return false;
}

void show_message(const context& c, const message_view& m) {
    if (c.json) std::cout << to_json_line(m).dump() << std::endl;
    else std::cout << format_for_people(m) << std::endl;
}

}  // namespace

session_options user_session_options(const context& c, bool announce_presence) {
    session_options options = c.broker;
    options.client_id = c.user;
    options.persistent = true;
    options.clean_start = false;  // resume the queue, never wipe it
    if (announce_presence) options.will = will_message{topics::presence(c.user), encode(presence{false, now_text()}), true};
    return options;
}

namespace {

// A post is owed only to those still members: one who left (or whose account was
// removed) will never confirm it, so they stop counting; a removed topic ends it.
// False when nobody is owed it any more. `members` caches topics.info per topic.
bool still_owed_to_members(rpc_client& rpc, outbox& box, const outbox_entry& e, const context& c,
                           std::map<std::string, std::set<std::string>>& members) {
    if (!members.count(e.topic)) {
        try {
            auto& now = members[e.topic];
            for (const auto& m : rpc.call("topics.info", {{"name", e.topic}}, c.broker.timeout).value("members", nlohmann::json::array()))
                if (m.is_string()) now.insert(m.get<std::string>());
        } catch (const error& why) {
            members.erase(e.topic);
            if (std::string(why.what()).rfind("no such topic", 0) != 0) return true;  // ask again later
            box.drop(e.id);
            std::cerr << "papo: your post to #" << e.topic << " (\"" << e.text.substr(0, 40)
                      << "\") is no longer sent again: " << why.what() << "\n";
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

volatile std::sig_atomic_t stop_signal = 0;
void note_stop(int signal) { stop_signal = signal; }

}  // namespace

void stop_gracefully_on_signals() {
    struct sigaction action {};
    action.sa_handler = note_stop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
}

int stop_signal_received() { return stop_signal; }

int stopped_by_signal() {
    std::cerr << "papo: stopped by " << strsignal(stop_signal) << "; what was shown is confirmed, the rest comes next time"
              << std::endl;
    return 128 + stop_signal;  // the shell's convention for "ended by a signal"
}

session_options helper_session_options(const context& c, const std::string& me, const std::string& purpose, bool reconnect) {
    session_options o = c.broker;
    o.client_id = me + "~" + purpose + "-" + random_hex(6);
    o.persistent = false;
    o.clean_start = true;
    o.auto_reconnect = reconnect;
    o.will.reset();
    return o;
}

bool another_login_since(const context& c, const std::string& me, const std::string& our_since) {
    try {
        session_options o = helper_session_options(c, me, "probe", false);
        o.timeout = std::chrono::seconds(2);
        session probe(o);
        probe.connect();
        probe.subscribe({topics::presence(me)}, 1);
        const auto retained = probe.next(std::chrono::milliseconds(1000));
        probe.disconnect();
        if (!retained || retained->connection_lost || retained->payload.empty()) return false;
        const auto status = decode<presence>(retained->payload);
        return status.online && status.since > our_since;  // RFC 3339 UTC sorts as text
    } catch (const error&) {
        return false;  // no broker: reconnecting will tell
    }
}

void resend_unconfirmed(rpc_client& rpc, session& connection, const context& c, const std::string& me) {
    if (c.state_dir.empty()) return;
    outbox box(c.state_dir);
    const auto due = box.due_for_resend(c.resend_after);
    std::map<std::string, std::set<std::string>> topic_members;
    for (auto e : due) {
        if (e.unchecked) {  // taken while papo-server or the broker was away: check the name now
            try {
                const auto name = rpc.call("users.info", {{"name", e.to}}, c.broker.timeout).at("name").get<std::string>();
                box.checked(e.id, name);
                e.to = name;
            } catch (const error& why) {
                if (std::string(why.what()).rfind("no such user", 0) != 0) continue;  // later
                box.drop(e.id);
                std::cerr << "papo: your message to " << e.to << " (\"" << e.text.substr(0, 40)
                          << "\") cannot be delivered: " << why.what() << "\n";
                continue;
            }
        }
        if (!e.topic.empty() && !still_owed_to_members(rpc, box, e, c, topic_members)) continue;
        const std::string where = e.topic.empty() ? topics::inbox(e.to, me) : topics::post(e.topic, me);
        connection.publish_async(where, encode(box.published(e)));
    }
    if (!due.empty()) connection.flush();
}

// The broker or papo-server cannot be reached (not: the login was refused, or a
// request was refused): a send can then wait in the outbox.
bool unreachable(const error& e, const context& c) {
    const std::string what = e.what();
    if (what.find("refused the login") != std::string::npos) return false;
    if (what.find("did not answer") != std::string::npos) return true;  // papo-server is away
    // A refused TLS handshake also fails the connect, but the port answers.
    return what.rfind("cannot connect to the broker", 0) == 0 &&
           !broker_port_answers(c.broker.broker, std::chrono::milliseconds(500));
}

int print_queued(const context& c, const chat_message& m, const std::string& to, const std::string& why) {
    if (c.json)
        std::cout << nlohmann::json{{"id", m.id}, {"to", to}, {"sent_at", m.sent_at}, {"status", "queued"}}.dump() << "\n";
    else
        std::cout << "queued for " << to << " (" << why << "); papo sends it when it next connects\n";
    return 0;
}

std::string delivered_line(const std::string& reader, const outbox_entry& entry) {
    const std::string text = entry.text.size() > 40 ? entry.text.substr(0, 37) + "..." : entry.text;
    if (!entry.topic.empty()) return "  \u2713 everyone in #" + entry.topic + " has your post: " + text;
    return "  \u2713 " + reader + " has your message: " + text;
}

outbox_entry post_entry(const nlohmann::json& topic_info, const std::string& me, const chat_message& m) {
    outbox_entry entry;
    entry.topic = topic_info.at("name").get<std::string>();
    for (const auto& member : topic_info.value("members", nlohmann::json::array()))
        if (member.is_string() && member.get<std::string>() != me) entry.waiting.push_back(member.get<std::string>());
    entry.id = m.id;
    entry.text = m.text;
    entry.sent_at = m.sent_at;
    return entry;
}

void ensure_subscriptions(session& queue, const std::string& me, const std::vector<std::string>& joined) {
    queue.subscribe({topics::inbox_filter(me), topics::receipt_filter(me)}, 1);
    std::vector<std::string> posts;
    for (const auto& t : joined) posts.push_back(topics::post_filter(t));
    queue.subscribe(posts, 1, /*no_local=*/true);
}

std::vector<std::string> joined_topics(rpc_client& rpc, const context& c, const std::string& me) {
    std::vector<std::string> joined;
    for (const auto& t : rpc.call("users.info", {{"name", me}}, c.broker.timeout).value("topics", nlohmann::json::array()))
        joined.push_back(t.get<std::string>());
    return joined;
}

void show_delivered(const context& c, const std::string& reader, const outbox_entry& entry) {
    if (c.json) {
        nlohmann::json j{{"kind", "delivered"}, {"id", entry.id}, {"sent_at", entry.sent_at}};
        if (entry.topic.empty()) j["to"] = reader;
        else j["topic"] = entry.topic;
        std::cout << j.dump() << std::endl;
        return;
    }
    std::cout << delivered_line(reader, entry) << std::endl;
}

int show_outbox(const context& c) {
    rpc_client rpc(c.broker, c.user);
    registered_name(rpc, c);  // also sends again what is due
    const auto waiting = outbox(c.state_dir).pending();
    for (const auto& e : waiting) {
        if (c.json) {
            nlohmann::json j{{"kind", "pending"}, {"id", e.id}, {"text", e.text}, {"sent_at", e.sent_at}};
            if (e.topic.empty()) j["to"] = e.to;
            else j["topic"] = e.topic, j["waiting"] = e.waiting;
            std::cout << j.dump() << "\n";
        } else if (e.topic.empty()) {
            std::cout << "[" << local_time_for_display(e.sent_at) << "] to " << e.to << ": " << e.text << "  (sent, not yet read)\n";
        } else {
            std::cout << "[" << local_time_for_display(e.sent_at) << "] #" << e.topic << ": " << e.text << "  (not yet read by "
                      << e.waiting.size() << " member" << (e.waiting.size() == 1 ? "" : "s") << ")\n";
        }
    }
    if (waiting.empty() && !c.json) std::cout << "every message you sent has reached its reader\n";
    return 0;
}

int send_direct(const context& c, const std::string& to, const std::string& text) {
    chat_message message = make_message(text);  // refuse bad text before touching the network
    std::unique_ptr<rpc_client> rpc;
    std::string me, recipient;
    try {
        rpc = std::make_unique<rpc_client>(c.broker, c.user);
        me = registered_name(*rpc, c);
        recipient = rpc->call("users.info", {{"name", to}}, c.broker.timeout).at("name").get<std::string>();
    } catch (const error& e) {
        if (!unreachable(e, c) || c.state_dir.empty()) throw;
        // Nobody to ask: the outbox keeps it, and the next papo that connects checks the
        // name and sends it (or says it cannot be delivered).
        require_valid_name(to, "user");
        outbox_entry waiting = dm_entry(to, message.id, message.text, message.sent_at);
        waiting.unchecked = true;
        outbox(c.state_dir).add(waiting);
        return print_queued(c, message, to, e.what());
    }
    // Durable first: from here on papo answers for the message until bob confirms it.
    outbox box(c.state_dir);
    const auto kept = box.add(dm_entry(recipient, message.id, message.text, message.sent_at));
    try {
        rpc->connection().publish(topics::inbox(recipient, me), encode(box.published(kept)));
    } catch (const error& e) {
        return print_queued(c, message, recipient, std::string("the broker did not confirm: ") + e.what());
    }
    return print_sent(c, message, recipient);
}

int post_to_topic(const context& c, const std::string& topic, const std::string& text) {
    chat_message message = make_message(text);
    rpc_client rpc(c.broker, c.user);
    const std::string me = registered_name(rpc, c);
    const auto info = rpc.call("topics.info", {{"name", topic}}, c.broker.timeout);
    const std::string name = info.at("name").get<std::string>();
    const outbox_entry entry = post_entry(info, me, message);
    outbox box(c.state_dir);
    if (!entry.waiting.empty()) message = box.published(box.add(entry));
    try {
        rpc.connection().publish(topics::post(name, me), encode(message));
    } catch (const error& e) {
        if (entry.waiting.empty()) throw;
        return print_queued(c, message, "#" + name, std::string("the broker did not confirm: ") + e.what());
    }
    return print_sent(c, message, "#" + name);
}

int join_topic(const context& c, const std::string& topic) {
    rpc_client rpc(c.broker, c.user);
    const std::string me = registered_name(rpc, c);
    const std::string name = rpc.call("topics.info", {{"name", topic}}, c.broker.timeout).at("name").get<std::string>();
    // Subscribe the queue first, then tell the server: every post it counts for us is then
    // one our session holds, so the queue count stays exact.
    session queue(user_session_options(c, false));
    queue.connect();
    reader keeper(queue, me, c.state_dir, [](const message_view&) {});
    queue.subscribe({topics::post_filter(name)}, 1, /*no_local=*/true);
    nlohmann::json answer;
    try {
        answer = rpc.call("topics.join", {{"name", name}}, c.broker.timeout);
    } catch (const error&) {
        queue.unsubscribe({topics::post_filter(name)});
        keeper.keep_the_rest();
        throw;
    }
    if (answer.value("changed", false))  // posts from before we joined leave no gap
        keeper.joined_topic(name, answer.value("numbers", nlohmann::json()));
    close_keeping(queue, keeper);
    if (c.json) std::cout << nlohmann::json{{"joined", name}}.dump() << "\n";
    else std::cout << "joined #" << name << "\n";
    return 0;
}

int leave_topic(const context& c, const std::string& topic) {
    rpc_client rpc(c.broker, c.user);
    const std::string me = registered_name(rpc, c);
    // The server stops counting first, then the queue stops receiving.
    const auto data = rpc.call("topics.leave", {{"name", topic}}, c.broker.timeout);
    const std::string name = data.value("name", topic);
    session queue(user_session_options(c, false));
    queue.connect();
    reader keeper(queue, me, c.state_dir, [](const message_view&) {});
    queue.unsubscribe({topics::post_filter(name)});
    keeper.forget_numbers_of_topic(name);
    close_keeping(queue, keeper);
    const bool was_member = data.value("changed", false);
    if (c.json) std::cout << nlohmann::json{{"left", name}, {"was_member", was_member}}.dump() << "\n";
    else std::cout << (was_member ? "left #" + name : "you were not in #" + name) << "\n";
    return 0;
}

int read_messages(const context& c) {
    stop_gracefully_on_signals();
    rpc_client rpc(c.broker, c.user);
    const std::string me = registered_name(rpc, c);
    const std::string since = now_text();
    session queue(user_session_options(c, true));
    queue.connect();
    publish_options retained;
    retained.retained = true;
    queue.publish(topics::presence(me), encode(presence{true, since}), retained);

    const auto joined = joined_topics(rpc, c, me);
    ensure_subscriptions(queue, me, joined);
    reader inbox(queue, me, c.state_dir, [&c](const message_view& m) { show_message(c, m); });
    inbox.set_hold_limit(c.hold);
    inbox.on_delivered([&c](const std::string& who, const outbox_entry& e) { show_delivered(c, who, e); });
    inbox.set_online_since(since);
    inbox.show_spooled();

    // papo-server knows which messages wait for us; wait until each has arrived,
    // so that "read" without --wait prints the whole queue and then stops.
    std::set<std::string> expected;
    const auto pending = rpc.call("users.pending", {}, c.broker.timeout);
    confirm_already_seen(rpc, inbox, pending.at("ids"), c);
    for (const auto& id : pending.at("ids")) {
        const auto text = id.get<std::string>();
        if (!inbox.has_seen(text)) expected.insert(text);
    }
    const auto start = std::chrono::steady_clock::now();
    auto last_arrival = start;
    const auto wait_for_more = std::chrono::milliseconds(static_cast<long>(c.wait_seconds * 1000));
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        // Done when every id papo-server counts for us has come and the line has been
        // quiet for a moment (it may hold what the server does not count, e.g. after a
        // broker crash), or nothing came for 1.5 s.
        const bool backlog_done = (expected.empty() && now - last_arrival > std::chrono::milliseconds(100)) ||
                                  now - last_arrival > std::chrono::milliseconds(1500) || now - start > std::chrono::seconds(30);
        if ((backlog_done && now - start >= wait_for_more) || stop_signal) break;
        inbox.tick();
        auto message = queue.next(std::chrono::milliseconds(20));
        if (!message) {
            inbox.send_receipts();
            continue;
        }
        if (message->connection_lost) {
            inbox.keep_the_rest();
            if (queue.taken_over() || another_login_since(c, me, since))
                throw error("another papo of " + me + " took over the queue; this read stops (what it had is kept)");
            if (!reconnect_until(queue, start + wait_for_more))
                throw error(stop_signal ? "stopped while the broker was away (what it had is kept)"
                                        : "lost the connection to the broker (what it had is kept)");
            queue.publish(topics::presence(me), encode(presence{true, since}), retained);
            ensure_subscriptions(queue, me, joined);  // a broker that crashed may have lost them
            inbox.show_spooled();
            last_arrival = std::chrono::steady_clock::now();
            continue;
        }
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
    queue.disconnect();
    inbox.keep_the_rest();  // what arrived after the last receipt is shown by the next read
    if (const auto held = inbox.held()) {
        if (c.json) std::cout << nlohmann::json{{"kind", "held"}, {"count", held}}.dump() << "\n";
        else std::cout << "(" << held << " message" << (held == 1 ? "" : "s")
                       << " held back until earlier ones from the same sender arrive)\n";
    }
    return stop_signal ? stopped_by_signal() : 0;
}

int list_users(const context& c) {
    rpc_client rpc(c.broker, c.user.empty() ? "papo-who" : c.user);
    if (!c.user.empty()) registered_name(rpc, c);
    const auto users = rpc.call("users.ls", {}, c.broker.timeout);
    if (c.json) {
        std::cout << users.dump() << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : users) rows.push_back({u.at("name"), u.value("online", false) ? "online" : "offline"});
    std::cout << (rows.empty() ? "(no users)\n" : format_table({"USER", "PRESENCE"}, rows));
    return 0;
}

int list_topics(const context& c) {
    rpc_client rpc(c.broker, c.user.empty() ? "papo-who" : c.user);
    if (!c.user.empty()) registered_name(rpc, c);
    const auto topic_list = rpc.call("topics.ls", {}, c.broker.timeout);
    std::set<std::string> mine;
    if (!c.user.empty()) {
        const auto me = rpc.call("users.info", {{"name", c.user}}, c.broker.timeout);
        for (const auto& t : me.value("topics", nlohmann::json::array())) mine.insert(t.get<std::string>());
    }
    if (c.json) {
        nlohmann::json out = topic_list;
        for (auto& t : out) t["joined"] = mine.count(t.at("name").get<std::string>()) > 0;
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : topic_list)
        rows.push_back({t.at("name"), std::to_string(t.value("members", 0)), mine.count(t.at("name").get<std::string>()) ? "yes" : ""});
    std::cout << (rows.empty() ? "(no topics)\n" : format_table({"TOPIC", "MEMBERS", "JOINED"}, rows));
    return 0;
}

}  // namespace papo::cli
