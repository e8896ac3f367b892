// papo's interactive chat: messages appear as they arrive, above the line being
// typed; slash commands do what the one-shot subcommands do.
#include "context.h"
#include "line_input.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/client/reader.h"
#include "papo/rpc.h"
#include "papo/client/table.h"
#include "papo/topics.h"

#include <poll.h>

#include <algorithm>

#include <sstream>

namespace papo::cli {
namespace {

const char* help_text =
    "/msg USER TEXT     direct message (waits in USER's queue if they are offline)\n"
    "/join TOPIC        join a topic and make it the current one\n"
    "/leave TOPIC       leave a topic\n"
    "/post TOPIC TEXT   post to a topic\n"
    "/topic TOPIC       make TOPIC current: plain lines are posted there\n"
    "/who               users and presence\n"
    "/topics            topics and members\n"
    "/help              this list\n"
    "/quit              leave papo (Ctrl-D too)";

class chat {
public:
    explicit chat(const context& c)
        : c_(c), rpc_(c.broker, c.user), me_(resolve_me()), queue_(options()), input_(me_ + "> ") {}

    int run() {
        stop_gracefully_on_signals();
        const std::string since = now_text();
        queue_.connect();
        announce(true, since);
        joined_ = joined_topics(rpc_, c_, me_);
        if (!joined_.empty()) current_ = joined_.front();
        ensure_subscriptions(queue_, me_, joined_);
        resend_unconfirmed(rpc_, queue_, c_, me_);
        reader inbox(queue_, me_, c_.state_dir, [this](const message_view& m) { input_.print_above(format_for_people(m)); });
        inbox.on_delivered([this](const std::string& who, const outbox_entry& e) { input_.print_above(delivered_line(who, e)); });
        inbox.set_online_since(since);
        inbox.set_hold_limit(c_.hold);
        numbering_ = &inbox;
        input_.print_above("connected as " + me_ + " to " + c_.broker.broker + "; /help lists the commands");
        inbox.show_spooled();
        confirm_already_seen(rpc_, inbox, rpc_.call("users.pending", {}, c_.broker.timeout).at("ids"), c_);

        reader* active = &inbox;
        std::unique_ptr<reader> live;  // when another papo of ours took the queue over
        bool lost = false;
        auto next_try = std::chrono::steady_clock::now();
        std::chrono::milliseconds backoff{250};
        while (!quit_ && !input_.at_end() && !stop_signal_received()) {
            pollfd stdin_poll{input_.fd(), POLLIN, 0};
            if (::poll(&stdin_poll, 1, 20) > 0)
                for (const auto& line : input_.take_lines()) run_line(line);
            active->tick();
            while (auto message = out_->next(std::chrono::milliseconds(0))) {
                if (message->connection_lost) {
                    if (!lost) input_.print_above("(lost the broker; reconnecting...)");
                    lost = true;
                    break;
                }
                active->handle(*message);
            }
            // The queue reconnects by hand: first it must know whether another papo of
            // ours took it over (Mosquitto 2.0.11 just closes the socket then).
            if (lost && !mirror_ && std::chrono::steady_clock::now() >= next_try) {
                if (another_holds_the_queue()) {
                    live = become_mirror();
                    active = live.get();
                    lost = false;
                } else {
                    try {
                        queue_.connect();
                        lost = false;
                        backoff = std::chrono::milliseconds(250);
                        announce(true, now_text());
                        resend_unconfirmed(rpc_, queue_, c_, me_);  // the broker may have lost what it held
                        input_.print_above("(reconnected)");
                    } catch (const error&) {
                        next_try = std::chrono::steady_clock::now() + backoff;
                        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(8));
                    }
                }
            }
            if (lost && mirror_ && out_->connected()) {  // the mirror reconnects by itself
                lost = false;
                subscribe_mirror();  // a clean session: its subscriptions went with the connection
                resend_unconfirmed(rpc_, *out_, c_, me_);
                input_.print_above("(reconnected)");
            }
            if (out_->connected()) active->send_receipts();
        }
        if (mirror_) {
            mirror_->disconnect();
            return stop_signal_received() ? stopped_by_signal() : 0;
        }
        announce(false, now_text());
        queue_.disconnect();
        inbox.keep_the_rest();
        return stop_signal_received() ? stopped_by_signal() : 0;
    }

private:
    session_options helper_options(const std::string& purpose, bool reconnect) const {
        return helper_session_options(c_, me_, purpose, reconnect);
    }
    bool another_holds_the_queue() const { return another_login_since(c_, me_, announced_since_); }

    // Another papo of this user connected with the queue's client id and took it over.
    // Fighting back (reconnecting) would kick it in turn, forever; instead this papo
    // stops using the queue and follows new messages on a connection of its own.
    std::unique_ptr<reader> become_mirror() {
        mirror_ = std::make_unique<session>(helper_options("mirror", true));
        mirror_->connect();
        subscribe_mirror();
        out_ = mirror_.get();
        auto live = std::make_unique<reader>(*mirror_, me_, c_.state_dir,
                                             [this](const message_view& m) { input_.print_above(format_for_people(m)); });
        live->set_hold_limit(c_.hold);
        live->on_delivered([this](const std::string& who, const outbox_entry& e) { input_.print_above(delivered_line(who, e)); });
        say("(another papo of " + me_ + " took over your queue: this one now shows new messages as they come "
            "and can still send; what waits while you are away goes to the other)");
        return live;
    }

    void subscribe_mirror() {
        try {
            ensure_subscriptions(*mirror_, me_, joined_);
        } catch (const error& e) {
            say(std::string("(could not follow new messages: ") + e.what() + ")");
        }
    }

    std::string resolve_me() {
        return rpc_.call("users.info", {{"name", c_.user}}, c_.broker.timeout).at("name").get<std::string>();
    }
    session_options options() {
        // No automatic reconnect: it would take the queue back from another papo of ours.
        return user_session_options(c_, true);
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
            if (line[0] != '/') {
                if (current_.empty()) throw error("no current topic: /join TOPIC or /topic TOPIC first, or /msg USER TEXT");
                post(current_, line);
                return;
            }
            std::istringstream words(line);
            std::string command, target;
            words >> command >> target;
            std::string text;
            std::getline(words >> std::ws, text);
            if (command == "/quit" || command == "/exit") quit_ = true;
            else if (command == "/help") say(help_text);
            else if (command == "/msg" && !target.empty() && !text.empty()) direct(target, text);
            else if (command == "/post" && !target.empty() && !text.empty()) post(target, text);
            else if (command == "/join" && !target.empty()) join(target);
            else if (command == "/leave" && !target.empty()) leave(target);
            else if (command == "/topic" && !target.empty()) current_ = topic_name(target), say("current topic: #" + current_);
            else if (command == "/who") who();
            else if (command == "/topics") topic_list();
            else throw error("unknown or incomplete command '" + line + "'; /help lists the commands");
        } catch (const error& e) {
            say(std::string("error: ") + e.what());
        }
    }

    std::string topic_name(const std::string& topic) {
        return rpc_.call("topics.info", {{"name", topic}}, c_.broker.timeout).at("name").get<std::string>();
    }
    void direct(const std::string& to, const std::string& text) {
        auto message = make_message(text);
        const auto recipient = rpc_.call("users.info", {{"name", to}}, c_.broker.timeout).at("name").get<std::string>();
        const auto kept = outbox_.add(dm_entry(recipient, message.id, message.text, message.sent_at));
        out_->publish(topics::inbox(recipient, me_), encode(outbox_.published(kept)));
        say("[" + local_time_for_display(message.sent_at) + "] you -> " + recipient + ": " + text);
    }
    void post(const std::string& topic, const std::string& text) {
        auto message = make_message(text);
        const auto info = rpc_.call("topics.info", {{"name", topic}}, c_.broker.timeout);
        const std::string name = info.at("name").get<std::string>();
        const outbox_entry entry = post_entry(info, me_, message);
        if (!entry.waiting.empty()) message = outbox_.published(outbox_.add(entry));
        out_->publish(topics::post(name, me_), encode(message));
        say("[" + local_time_for_display(message.sent_at) + "] #" + name + " you: " + text);
    }
    void join(const std::string& topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /join there");
        const std::string name = topic_name(topic);
        queue_.subscribe({topics::post_filter(name)}, 1, /*no_local=*/true);
        nlohmann::json answer;
        try {
            answer = rpc_.call("topics.join", {{"name", name}}, c_.broker.timeout);
        } catch (const error&) {
            queue_.unsubscribe({topics::post_filter(name)});
            throw;
        }
        joined_.push_back(name);
        current_ = name;
        if (numbering_ && answer.value("changed", false)) numbering_->joined_topic(name, answer.value("numbers", nlohmann::json()));
        say("joined #" + name + " (now current)");
    }
    void leave(const std::string& topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /leave there");
        const auto data = rpc_.call("topics.leave", {{"name", topic}}, c_.broker.timeout);
        const std::string name = data.value("name", topic);
        queue_.unsubscribe({topics::post_filter(name)});
        if (numbering_) numbering_->forget_numbers_of_topic(name);
        if (current_ == name) current_.clear();
        say("left #" + name);
    }
    void who() {
        std::vector<std::vector<std::string>> rows;
        const auto users = rpc_.call("users.ls", {}, c_.broker.timeout);
        for (const auto& u : users)
            rows.push_back({u.at("name"), u.value("online", false) ? "online" : "offline"});
        say(format_table({"USER", "PRESENCE"}, rows));
    }
    void topic_list() {
        std::vector<std::vector<std::string>> rows;
        const auto list = rpc_.call("topics.ls", {}, c_.broker.timeout);
        for (const auto& t : list)
            rows.push_back({t.at("name"), std::to_string(t.value("members", 0)), t.at("name") == current_ ? "current" : ""});
        say(rows.empty() ? "(no topics)" : format_table({"TOPIC", "MEMBERS", ""}, rows));
    }

    const context& c_;
    rpc_client rpc_;
    std::string me_;
    session queue_;
    std::unique_ptr<session> mirror_;
    session* out_ = &queue_;  // where this papo sends and reads: its queue, or its mirror
    std::string announced_since_;  // our own "online since", to tell our presence from another's
    outbox outbox_{c_.state_dir};
    line_input input_;
    std::vector<std::string> joined_;
    std::string current_;
    reader* numbering_ = nullptr;  // the queue's reader, while run() lasts: joins reset topic numbers
    bool quit_ = false;
};

}  // namespace

int interactive(const context& c) { return chat(c).run(); }

}  // namespace papo::cli
