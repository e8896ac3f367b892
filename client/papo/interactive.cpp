// papo's interactive chat: messages appear as they arrive, above the line being
// typed; slash commands do what the one-shot subcommands do.
#include "chat_commands.h"
#include "chat_support.h"
#include "context.h"
#include "line_input.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/client/history.h"
#include "papo/client/outbox.h"
#include "papo/client/reader.h"
#include "papo/client/table.h"
#include "papo/render.h"
#include "papo/supervisor.h"
#include "papo/topics.h"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <iostream>
#include <sstream>

namespace papo::cli {
namespace {

const char* help_footer =
    "A plain line is posted to the current topic; //text posts \"/text\". Tab completes commands,\n"
    "user names and #topics. The terminal bell rings for a DM, and for a post that names you\n"
    "in a topic that is not the current one.";

std::string help_text() {
    std::string text;
    for (const auto& c : chat_commands(chat_kind::line)) text += chat_help_line(c) + "\n";
    return text + help_footer;
}

// What the chat shows of events: above the line being typed.
class chat_events : public client_events {
public:
    chat_events(line_input& input, std::string state_dir, text_style style)
        : input_(input), state_dir_(std::move(state_dir)), style_(style) {}
    void message(const message_view& m) override {
        input_.print_above(format_for_people(m, style_));
        if (ring_ && ring_(m)) input_.bell();
    }
    // Whether a message shown calls for the bell.
    void ring_for(std::function<bool(const message_view&)> ring) { ring_ = std::move(ring); }
    void delivered(const std::string& reader, const outbox_entry& e) override {
        input_.print_above(delivered_line(reader, e, style_));
    }
    void connection(const connection_state& state) override {
        if (state.what == connection_state::kind::offline) input_.print_above("(lost the broker; reconnecting...)");
        // Each failed try says when the next one is and what waits to be sent, so an
        // outage of any length leaves a chat that visibly keeps going.
        if (state.what == connection_state::kind::reconnecting)
            input_.print_above("(offline: " + safe_text(state.reason) + "; reconnecting in " + seconds(state.retry_in) +
                               ", " + waiting() + ")");
    }
    void notice(const std::string& text) override { std::cerr << "papo: " << safe_text(text) << "\n"; }

private:
    static std::string seconds(std::chrono::milliseconds d) {
        const auto s = std::max<long long>(1, (d.count() + 500) / 1000);
        return std::to_string(s) + " s";
    }
    std::string waiting() const {
        std::size_t n = 0;
        try {
            if (!state_dir_.empty()) n = outbox(state_dir_).pending().size();
        } catch (const error&) {
        }
        return std::to_string(n) + (n == 1 ? " message" : " messages") + " in the outbox";
    }
    line_input& input_;
    std::string state_dir_;
    text_style style_;
    std::function<bool(const message_view&)> ring_;
};

class chat {
public:
    explicit chat(const context& c)
        : c_(c), input_(c.client.user + "> "), events_(input_, c.client.state_dir, c.style), client_(c.client, events_), me_(client_.me()),
          queue_(user_session_options(c.client, true)),  // no automatic reconnect: it would take the queue back from another papo of ours
          reconnects_(queue_, supervision()) {}

    int run() {
        stop_gracefully_on_signals();
        const std::string since = now_text();
        queue_.connect();
        announce(true, since);
        joined_ = client_.joined_topics();
        if (!joined_.empty()) current_ = joined_.front();
        events_.ring_for([this](const message_view& m) {
            return !m.history && !m.waited && m.from != me_ && (m.direct || (m.topic != current_ && mentions(m.text, me_)));
        });
        names_ = learn_names(client_, joined_);
        input_.set_completer([this](const std::string& before, const std::string& word) {
            return chat_completions(chat_kind::line, before, word, names_);
        });
        ensure_subscriptions(queue_, me_, joined_);
        client_.publish_through(out_);
        client_.resend_unconfirmed();
        reader inbox(queue_, me_, c_.client.state_dir, [this](const message_view& m) { events_.message(m); });
        inbox.on_delivered([this](const std::string& who, const outbox_entry& e) { events_.delivered(who, e); });
        inbox.set_online_since(since);
        inbox.set_hold_limit(c_.client.hold);
        inbox.record_in(client_.local_log());
        numbering_ = &inbox;
        say("connected as " + me_ + " to " + c_.client.broker.broker + "; /help lists the commands");
        if (!current_.empty()) show_recent("#" + current_, "current topic: #" + current_);
        inbox.show_spooled();
        try {
            client_.settle_pending(inbox);
        } catch (const error& e) {
            // papo-server or the broker went away right now: the chat goes on (and
            // reconnects); the messages come when the broker delivers them.
            if (!can_wait_in_outbox(e)) throw;
            say("(could not ask papo-server which messages wait: " + safe_text(e.what()) + ")");
        }

        reader* active = &inbox;
        std::unique_ptr<reader> live;  // when another papo of ours took the queue over
        bool lost = false;
        int status = 0;
        constexpr auto resend_check = std::chrono::seconds(10);
        auto next_receipt_notice = std::chrono::steady_clock::now();
        auto next_resend = std::chrono::steady_clock::now() + resend_check;
        while (!quit_ && !input_.at_end() && !stop_signal_received()) {
            pollfd stdin_poll{input_.fd(), POLLIN, 0};
            if (::poll(&stdin_poll, 1, 20) > 0)
                for (const auto& line : input_.take_lines()) run_line(line);
            active->tick();
            while (auto message = out_->next(std::chrono::milliseconds(0))) {
                if (message->connection_lost) {
                    lost = true;
                    if (!mirror_) reconnects_.lost(std::chrono::steady_clock::now());
                    else say("(lost the broker; reconnecting...)");
                    break;
                }
                if (client_.note_broker_epoch(*message)) continue;
                active->handle(*message);
            }
            // The same supervisor as `read --wait`: first it must know whether another
            // papo of ours took the queue over (Mosquitto 2.0.11 just closes the socket then).
            if (lost && !mirror_) {
                if (const auto outcome = reconnects_.step(std::chrono::steady_clock::now())) {
                    lost = false;
                    switch (*outcome) {
                        case recovery::reconnected: back_online(); break;
                        case recovery::taken_over:
                            live = become_mirror();
                            active = live.get();
                            break;
                        case recovery::login_refused:
                            say("(" + safe_text(reconnects_.refusal()) + ": papo stops reconnecting; what it had is kept)");
                            quit_ = true;
                            status = 1;
                            break;
                        case recovery::stopped: break;
                    }
                }
            }
            if (lost && mirror_ && out_->connected()) {  // the mirror reconnects by itself
                lost = false;
                subscribe_mirror();  // a clean session: its subscriptions went with the connection
                renew_server_connection();
                client_.resend_unconfirmed();
                say("(reconnected)");
            }
            if (out_->connected()) {
                try {
                    active->send_receipts();
                } catch (const error& e) {
                    // Never the end of the chat: a broker that went away meanwhile is
                    // reported by next() and the supervisor takes over; otherwise the
                    // senders' resends bring the receipts back (repeats are confirmed).
                    const auto now = std::chrono::steady_clock::now();
                    if (out_->connected() && now >= next_receipt_notice) {
                        say("(receipts not sent: " + safe_text(e.what()) + ")");
                        next_receipt_notice = now + std::chrono::minutes(1);
                    }
                }
            }
            // What waits in the outbox (taken while papo-server or the broker was away, or
            // not yet confirmed) goes out without waiting for the user to type something.
            if (!lost && out_->connected() && std::chrono::steady_clock::now() >= next_resend) {
                try {
                    client_.resend_unconfirmed();
                } catch (const error&) {
                }
                next_resend = std::chrono::steady_clock::now() + resend_check;
            }
        }
        if (mirror_) {
            mirror_->disconnect();
            return stop_signal_received() ? stopped_by_signal() : status;
        }
        if (status == 0) announce(false, now_text());
        inbox.keep_the_rest_after_disconnect(queue_.disconnect());
        return stop_signal_received() ? stopped_by_signal() : status;
    }

private:
    supervisor_options supervision() {
        supervisor_options o;
        o.on_state = [this](const connection_state& s) { events_.connection(s); };
        o.another_login = [this] { return another_login_since(helper_session_options(c_.client, me_, "probe", false), me_, announced_since_); };
        return o;
    }

    void back_online() {
        announce(true, now_text());
        try {
            ensure_subscriptions(queue_, me_, joined_);  // a broker that crashed may have lost them
            renew_server_connection();
            client_.resend_unconfirmed();  // the broker may have lost what it held
        } catch (const error& e) {
            say("(" + safe_text(e.what()) + ")");
        }
        say("(reconnected)");
    }

    // The request connection does not reconnect by itself: a new one after an outage.
    void renew_server_connection() {
        try {
            client_.reconnect_server();
        } catch (const error&) {
        }
    }

    // Another papo of this user connected with the queue's client id and took it over.
    // Fighting back (reconnecting) would kick it in turn, forever; instead this papo
    // stops using the queue and follows new messages on a connection of its own.
    std::unique_ptr<reader> become_mirror() {
        mirror_ = std::make_unique<session>(helper_session_options(c_.client, me_, "mirror", true));
        mirror_->connect();
        subscribe_mirror();
        out_ = mirror_.get();
        client_.publish_through(out_);
        auto live = std::make_unique<reader>(*mirror_, me_, c_.client.state_dir, [this](const message_view& m) { events_.message(m); });
        live->set_hold_limit(c_.client.hold);
        live->record_in(client_.local_log());
        live->on_delivered([this](const std::string& who, const outbox_entry& e) { events_.delivered(who, e); });
        say("(another papo of " + me_ + " took over your queue: this one now shows new messages as they come "
            "and can still send; what waits while you are away goes to the other)");
        return live;
    }

    void subscribe_mirror() {
        try {
            ensure_subscriptions(*mirror_, me_, joined_);
        } catch (const error& e) {
            say("(could not follow new messages: " + safe_text(e.what()) + ")");
        }
    }

    void announce(bool online, const std::string& since) {
        if (online) announced_since_ = since;
        publish_options retained;
        retained.retained = true;
        try {
            queue_.publish(topics::presence(me_), encode(presence{online, since}), retained);
        } catch (const error&) {
        }
    }
    void say(const std::string& text) { input_.print_above(text); }

    void run_line(const std::string& line) {
        if (line.empty()) return;
        try {
            if (line[0] != '/' || line.compare(0, 2, "//") == 0) {  // "//text" posts "/text"
                post_current(line[0] == '/' ? line.substr(1) : line);
                return;
            }
            std::istringstream words(line);
            std::string command, target;
            words >> command >> target;
            std::string text;
            std::getline(words >> std::ws, text);
            std::string rest = target + (text.empty() ? "" : " " + text);  // everything after the command
            if (command == "/quit" || command == "/exit") quit_ = true;
            else if (command == "/help") help(target);
            else if (command == "/msg" && !target.empty() && !text.empty()) direct(target, text);
            else if (command == "/post" && !target.empty() && !text.empty()) post(target, text);
            else if (command == "/me" && !target.empty()) post_current("/me " + line.substr(line.find_first_not_of(' ', 3)));
            else if (command == "/join" && !target.empty()) join(target);
            else if (command == "/leave") {
                if (target.empty() && current_.empty()) throw error(error_kind::usage, "/leave TOPIC (there is no current topic)");
                leave(target.empty() ? current_ : target);
            }
            else if (command == "/topic" && !target.empty()) {
                current_ = client_.server().topic(target).name;
                show_recent("#" + current_, "current topic: #" + current_);
            } else if (command == "/history") show_recent(target.empty() ? (current_.empty() ? "" : "#" + current_) : target, "");
            else if (command == "/search" && !rest.empty()) search(rest);
            else if (command == "/who") who();
            else if (command == "/topics") topic_list();
            else throw error(error_kind::usage, "unknown or incomplete command '" + line + "'; /help lists the commands");
        } catch (const error& e) {
            say("error: " + safe_text(e.what()));  // errors quote names and the line typed
        }
    }

    void post_current(const std::string& text) {
        if (current_.empty()) throw error(error_kind::usage, "no current topic: /join TOPIC or /topic TOPIC first, or /msg USER TEXT");
        post(current_, text);
    }

    void help(const std::string& name) {
        if (name.empty()) return say(help_text());
        for (const auto& line : chat_help_for(chat_kind::line, name)) say(line);
    }

    // A conversation's recent messages from the local history, marked; `heading` first
    // (said even when there are none).
    void show_recent(const std::string& conversation, const std::string& heading) {
        if (!heading.empty()) say(safe_text(heading));
        if (conversation.empty()) throw error(error_kind::usage, "no current topic: /history USER or /history #TOPIC");
        const auto recent = recent_lines(client_, conversation, 10, c_.style);
        for (const auto& line : recent) say(line);
        if (recent.empty() && heading.empty()) say("(nothing in your history of " + safe_text(conversation) + ")");
    }

    void search(const std::string& words) {
        for (const auto& line : search_lines(client_, words, 20, c_.style)) say(line);
    }

    // The same operations as `papo send` and `papo post`: queued in the outbox when
    // papo-server or the broker cannot be reached.
    void direct(const std::string& to, const std::string& text) {
        const auto sent = client_.send(to, text);
        const auto& s = c_.style;
        if (sent.state == send_result::status::queued) say(queued_line(sent, s));
        else input_.replace_last_typed(s.dim("[" + display_time(sent.sent_at) + "]") + " " + s.mine("you") + " " +
                                       s.dm_mark("->") + " " + s.sender(safe_text(sent.to)) + ": " + s.mine(safe_multiline(text)));
    }
    void post(const std::string& topic, const std::string& text) {
        const auto sent = client_.post(topic, text);
        const auto& s = c_.style;
        if (sent.state == send_result::status::queued) say(queued_line(sent, s));
        else if (const auto action = action_of(text))
            input_.replace_last_typed(s.dim("[" + display_time(sent.sent_at) + "]") + " " + s.topic(safe_text(sent.to)) + " * " +
                                      s.mine(safe_text(me_)) + " " + s.mine(safe_multiline(*action)));
        else input_.replace_last_typed(s.dim("[" + display_time(sent.sent_at) + "]") + " " + s.topic(safe_text(sent.to)) + " " +
                                       s.mine("you") + ": " + s.mine(safe_multiline(text)));
    }
    void join(const std::string& topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /join there");
        const auto joined = client_.join(topic, queue_, *numbering_);
        joined_.push_back(joined.name);
        names_.topics.insert(joined.name);
        current_ = joined.name;
        say("joined #" + safe_text(joined.name) + " (now current)");
        try {
            for (const auto& post : client_.history(joined.name)) {
                client_.record(post);
                say(format_for_people(post, c_.style));
            }
        } catch (const error& e) {
            say("(no history: " + safe_text(e.what()) + ")");
        }
    }
    void leave(const std::string& topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /leave there");
        const auto left = client_.leave(topic, queue_, *numbering_);
        joined_.erase(std::remove(joined_.begin(), joined_.end(), left.name), joined_.end());
        if (current_ == left.name) current_.clear();
        say("left #" + safe_text(left.name));
    }
    void who() {
        std::vector<std::vector<std::string>> rows;
        for (const auto& u : client_.users())
            names_.users.insert(u.name), rows.push_back({u.name, u.name == client_.me() ? "online (you)" : u.online ? "online" : "offline"});
        say(format_table({"USER", "PRESENCE"}, rows));
    }
    void topic_list() {
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : client_.topics()) names_.topics.insert(t.name), rows.push_back({t.name, std::to_string(t.members), t.name == current_ ? "current" : ""});
        say(rows.empty() ? "(no topics)" : format_table({"TOPIC", "MEMBERS", ""}, rows));
    }

    const context& c_;
    line_input input_;
    chat_events events_;
    user_client client_;
    std::string me_;
    session queue_;
    supervisor reconnects_;
    std::unique_ptr<session> mirror_;
    session* out_ = &queue_;  // where this papo sends and reads: its queue, or its mirror
    std::string announced_since_;  // our own "online since", to tell our presence from another's
    std::vector<std::string> joined_;
    std::string current_;
    known_names names_;  // for Tab
    reader* numbering_ = nullptr;  // the queue's reader, while run() lasts: joins reset topic numbers
    bool quit_ = false;
};

}  // namespace

int interactive(const context& c) { return chat(c).run(); }

}  // namespace papo::cli
