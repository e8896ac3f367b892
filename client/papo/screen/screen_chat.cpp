// papo's full-screen chat: the same user_client, reader, supervisor and client_events as
// the line chat (interactive.cpp), shown through the model (chat_model.h) and its
// windows (windows.h) on an ncurses terminal (terminal.h). I/O stays here, at the edge.
#include "screen_chat.h"

#include "chat_commands.h"
#include "chat_model.h"
#include "chat_support.h"
#include "last_conversation.h"
#include "terminal.h"
#include "windows.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/client/outbox.h"
#include "papo/client/history.h"
#include "papo/client/reader.h"
#include "papo/render.h"
#include "papo/supervisor.h"
#include "papo/topics.h"

#include <poll.h>

#include <algorithm>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>

namespace papo::cli {
namespace {

using namespace papo::tui;
using clock_type = std::chrono::steady_clock;

const char* const key_lines[] = {
    "keys: Alt-1..9 or Ctrl-N / Ctrl-P switch conversations; PgUp / PgDn scroll back and forth;",
    "      Up / Down the lines you sent here; Tab completes commands, users and #topics;",
    "      Left, Right, Home (Ctrl-A), End (Ctrl-E), Backspace, Delete, Ctrl-U / Ctrl-K erase",
    "      before / after the cursor; Ctrl-L redraws; Ctrl-D on an empty line quits",
    "a plain line goes to the open conversation (the current one); //text sends a line that starts with /text;",
    "the bell rings for a DM, and a post that names you, in a conversation that is not open",
};

std::vector<std::string> help_lines() {
    std::vector<std::string> lines(std::begin(key_lines), std::end(key_lines));
    for (const auto& c : chat_commands(chat_kind::screen)) lines.push_back(chat_help_line(c));
    return lines;
}

// What the screen shows of events: into the model.
class screen_events : public client_events {
public:
    explicit screen_events(chat_model& model) : model_(model) {}
    void message(const message_view& m) override {
        // The bell: a new DM, or a post naming us, in a conversation that is not open.
        const auto id = m.direct ? conversation_id::direct(m.from == model_.me() ? m.to : m.from) : conversation_id::topic(m.topic);
        const auto* open = model_.open();
        if (!m.history && !m.waited && m.from != model_.me() && (!open || open->id != id) && (m.direct || mentions(m.text, model_.me())))
            ring = true;
        model_.message(m), changed = true;
    }
    void delivered(const std::string& reader, const outbox_entry& e) override { model_.delivered(reader, e), changed = recount = true; }
    void connection(const connection_state& state) override {
        auto& c = model_.connection();
        c.reason = state.reason;
        c.retry_in = state.retry_in;
        if (state.what == connection_state::kind::online) c.what = connection_view::state::online;
        else if (state.what == connection_state::kind::offline) c.what = connection_view::state::offline;
        else c.what = connection_view::state::reconnecting;
        if (state.what == connection_state::kind::offline) model_.remark("lost the broker; reconnecting...");
        changed = true;
    }
    void notice(const std::string& text) override { model_.remark(text), changed = true; }
    bool changed = true;
    bool recount = false;  // the outbox shrank: the status line's count is stale
    bool ring = false;     // the bell is due

private:
    chat_model& model_;
};

class screen {
public:
    explicit screen(const context& c)
        : c_(c), model_(c.client.user, c.client.broker.broker), events_(model_), client_(c.client, events_), me_(client_.me()),
          queue_(user_session_options(c.client, true)),  // no automatic reconnect: it would take the queue back from another papo of ours
          reconnects_(queue_, supervision()) {}

    int run() {
        stop_gracefully_on_signals();  // before ncurses, which then leaves these signals to papo
        tty_ = std::make_unique<terminal>();
        model_ = chat_model(me_, c_.client.broker.broker);  // with the registered spelling of our name
        // The local history (papo history's SQLite file) fills a conversation the first
        // time it is opened; what is already in its buffer is skipped.
        model_.set_history_source([this](const conversation_id& id, std::size_t limit) {
            std::vector<message_view> earlier;
            if (auto* log = client_.local_log())
                for (auto& entry : log->recent(id.shown(), limit)) earlier.push_back(std::move(entry.message));
            return earlier;
        });
        for (const auto& line : help_lines()) model_.remark(line);
        paint();
        const std::string since = now_text();
        queue_.connect();
        model_.connection().what = connection_view::state::online;
        announce(true, since);
        joined_ = client_.joined_topics();
        for (const auto& topic : joined_) model_.add(conversation_id::topic(topic));
        names_ = learn_names(client_, joined_);
        model_.set_completer([this](const std::string& before, const std::string& word) {
            return chat_completions(chat_kind::screen, before, word, names_);
        });
        refresh_presence();
        refresh_members();
        open_where_we_left_off();
        ensure_subscriptions(queue_, me_, joined_);
        client_.publish_through(out_);
        client_.resend_unconfirmed();
        reader inbox(queue_, me_, c_.client.state_dir, [this](const message_view& m) { events_.message(m); });
        inbox.record_in(client_.local_log());
        inbox.on_delivered([this](const std::string& who, const outbox_entry& e) { events_.delivered(who, e); });
        inbox.set_online_since(since);
        inbox.set_hold_limit(c_.client.hold);
        numbering_ = &inbox;
        say("connected as " + me_ + " to " + c_.client.broker.broker);
        inbox.show_spooled();
        try {
            client_.settle_pending(inbox);
        } catch (const error& e) {
            if (!can_wait_in_outbox(e)) throw;
            say("could not ask papo-server which messages wait: " + std::string(e.what()));
        }

        reader* active = &inbox;
        std::unique_ptr<reader> live;
        bool lost = false;
        int status = 0;
        constexpr auto resend_check = std::chrono::seconds(10);
        auto next_receipt_notice = clock_type::now();
        auto next_resend = clock_type::now() + resend_check;
        auto next_count = clock_type::now();
        auto next_presence = clock_type::now() + std::chrono::seconds(15);
        auto next_paint = clock_type::now();
        bool remember = false;
        auto next_remember = clock_type::now();
        while (!quit_ && !model_.quit_asked() && !stop_signal_received()) {
            pollfd stdin_poll{tty_->input_fd(), POLLIN, 0};
            ::poll(&stdin_poll, 1, 20);
            for (const auto& k : tty_->keys()) {
                events_.changed = true;
                if (const auto line = model_.key(k, page_rows_)) run_line(*line);
            }
            for (const auto& line : tty_->errors()) model_.remark(line), events_.changed = true;
            active->tick();
            while (auto message = out_->next(std::chrono::milliseconds(0))) {
                if (message->connection_lost) {
                    lost = true;
                    if (!mirror_) reconnects_.lost(clock_type::now());
                    else events_.connection({connection_state::kind::offline, {}, "lost the broker"});
                    break;
                }
                if (client_.note_broker_epoch(*message)) continue;
                active->handle(*message);
            }
            if (lost && !mirror_) {
                if (const auto outcome = reconnects_.step(clock_type::now())) {
                    lost = false;
                    switch (*outcome) {
                        case recovery::reconnected: back_online(); break;
                        case recovery::taken_over:
                            live = become_mirror();
                            active = live.get();
                            break;
                        case recovery::login_refused:
                            refused_ = reconnects_.refusal();
                            quit_ = true;
                            status = 1;
                            break;
                        case recovery::stopped: break;
                    }
                }
            }
            if (lost && mirror_ && out_->connected()) {
                lost = false;
                subscribe_mirror();
                renew_server_connection();
                client_.resend_unconfirmed();
                model_.connection().what = connection_view::state::online;
                say("reconnected");
            }
            if (out_->connected()) {
                try {
                    active->send_receipts();
                } catch (const error& e) {
                    const auto now = clock_type::now();
                    if (out_->connected() && now >= next_receipt_notice) {
                        say("receipts not sent: " + std::string(e.what()));
                        next_receipt_notice = now + std::chrono::minutes(1);
                    }
                }
            }
            const auto now = clock_type::now();
            if (!lost && out_->connected() && now >= next_resend) {
                try {
                    client_.resend_unconfirmed();
                } catch (const error&) {
                }
                next_resend = now + resend_check;
                next_count = now;
            }
            if (now >= next_count || events_.recount) {
                events_.recount = false;
                count_queued();
                next_count = now + std::chrono::seconds(2);
            }
            if (!lost && out_->connected() && now >= next_presence) {
                // A papo-server that does not answer costs --timeout each time: ask less often then.
                next_presence = clock_type::now() + (refresh_presence() ? std::chrono::seconds(15) : std::chrono::seconds(60));
            }
            if (model_.take_open_changed()) remember = true;
            if (remember && now >= next_remember) {
                remember_open();
                remember = false;
                next_remember = now + std::chrono::seconds(1);
            }
            if (events_.ring) tty_->ring(), events_.ring = false;
            if (events_.changed || now >= next_paint) {
                paint();
                events_.changed = false;
                next_paint = now + std::chrono::seconds(1);  // the date, and a terminal resized meanwhile
            }
        }
        remember_open();
        tty_.reset();  // the terminal as it was, before anything more is printed
        if (!refused_.empty())
            std::cerr << "papo: " << safe_text(refused_) << ": papo stops reconnecting; what it had is kept\n";
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

    void paint() {
        const frame f = draw(model_, tty_->width(), tty_->height(), std::time(nullptr));
        page_rows_ = f.page_rows;
        model_.clamp_scroll(f.most_scroll);
        tty_->paint(f);
    }

    void say(const std::string& text) {
        model_.remark(text);
        events_.changed = true;
    }

    void count_queued() {
        std::size_t n = 0;
        try {
            if (!c_.client.state_dir.empty()) n = outbox(c_.client.state_dir).pending().size();
        } catch (const error&) {
        }
        if (n != model_.connection().queued) model_.connection().queued = n, events_.changed = true;
    }

    bool refresh_presence() {
        try {
            for (const auto& u : client_.users()) model_.set_presence(u.name, u.online);
            events_.changed = true;
            return true;
        } catch (const error&) {
            return false;
        }
    }

    void refresh_members() {
        try {
            for (const auto& t : client_.topics())
                if (auto* c = model_.find(conversation_id::topic(t.name))) c->members = t.members;
        } catch (const error&) {
        }
    }

    void open_where_we_left_off() {
        const auto last = read_last_conversation(c_.client.state_dir);
        if (last && (!last->is_topic() || model_.find(*last))) return model_.open(*last);
        for (const auto& c : model_.conversations())
            if (c.id.is_topic()) return model_.open(c.id);
        if (!model_.conversations().empty()) model_.open(model_.conversations().front().id);
    }

    void remember_open() {
        if (const auto* open = model_.open()) write_last_conversation(c_.client.state_dir, open->id);
    }

    void back_online() {
        announce(true, now_text());
        try {
            ensure_subscriptions(queue_, me_, joined_);
            renew_server_connection();
            client_.resend_unconfirmed();
        } catch (const error& e) {
            say(e.what());
        }
        model_.connection().what = connection_view::state::online;
        count_queued();
        say("reconnected");
    }

    void renew_server_connection() {
        try {
            client_.reconnect_server();
        } catch (const error&) {
        }
    }

    std::unique_ptr<reader> become_mirror() {
        mirror_ = std::make_unique<session>(helper_session_options(c_.client, me_, "mirror", true));
        mirror_->connect();
        subscribe_mirror();
        out_ = mirror_.get();
        client_.publish_through(out_);
        auto live = std::make_unique<reader>(*mirror_, me_, c_.client.state_dir, [this](const message_view& m) { events_.message(m); });
        live->record_in(client_.local_log());
        live->set_hold_limit(c_.client.hold);
        live->on_delivered([this](const std::string& who, const outbox_entry& e) { events_.delivered(who, e); });
        model_.connection().mirror = true;
        model_.connection().what = connection_view::state::online;
        say("another papo of " + me_ + " took over your queue: this one now shows new messages as they come "
            "and can still send; what waits while you are away goes to the other");
        return live;
    }

    void subscribe_mirror() {
        try {
            ensure_subscriptions(*mirror_, me_, joined_);
        } catch (const error& e) {
            say("could not follow new messages: " + std::string(e.what()));
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

    void run_line(const std::string& line) {
        try {
            if (line[0] != '/' || line.rfind("//", 0) == 0) return to_open(line[0] == '/' ? line.substr(1) : line);
            std::istringstream words(line);
            std::string command, target;
            words >> command >> target;
            std::string text;
            std::getline(words >> std::ws, text);
            if (command == "/quit" || command == "/exit") quit_ = true;
            else if (command == "/help" && target.empty()) for (const auto& help : help_lines()) say(help);
            else if (command == "/help") for (const auto& help : chat_help_for(chat_kind::screen, target)) say(help);
            else if (command == "/me" && !target.empty()) to_open("/me " + line.substr(line.find_first_not_of(' ', 3)));
            else if (command == "/history") show_recent(target);
            else if (command == "/search" && !target.empty()) search(target + (text.empty() ? "" : " " + text));
            else if (command == "/query" && !target.empty()) query(target, text);
            else if (command == "/msg" && !target.empty() && !text.empty()) direct(target, text);
            else if (command == "/post" && !target.empty() && !text.empty()) post(target, text);
            else if (command == "/join" && !target.empty()) join(target);
            else if (command == "/leave") leave(target);
            else if (command == "/topic" && !target.empty()) open_topic(target);
            else if (command == "/who") who();
            else if (command == "/topics") topic_list();
            else throw error(error_kind::usage, "unknown or incomplete command '" + line + "'; /help lists the commands");
        } catch (const error& e) {
            say("error: " + std::string(e.what()));
        }
    }

    // /history [NAME]: the conversation's recent messages from the local history, as
    // remarks in the open one (without a name: the open one's).
    void show_recent(std::string name) {
        if (name.empty()) {
            const auto* open = model_.open();
            if (!open) throw error(error_kind::usage, "no conversation is open: /history USER or /history #TOPIC");
            name = open->id.shown();
        }
        const auto recent = recent_lines(client_, name, 10, text_style{});
        for (const auto& line : recent) say(line);
        if (recent.empty()) say("(nothing in your history of " + name + ")");
    }

    void search(const std::string& words) {
        for (const auto& line : search_lines(client_, words, 20, text_style{})) say(line);
    }

    void to_open(const std::string& text) {
        const conversation* open = model_.open();
        if (!open) throw error(error_kind::usage, "no conversation is open: /query USER or /join TOPIC first");
        const auto id = open->id;
        if (id.is_topic()) post(id.name, text);
        else direct(id.name, text);
    }

    void direct(const std::string& to, const std::string& text) {
        const auto sent = client_.send(to, text);
        model_.sent(conversation_id::direct(sent.to), sent.id, text, sent.sent_at, sent.state == send_result::status::queued);
        count_queued();
    }
    void post(const std::string& topic, const std::string& text) {
        const auto sent = client_.post(topic, text);
        std::string name = sent.to;
        if (!name.empty() && name[0] == '#') name.erase(0, 1);
        model_.sent(conversation_id::topic(name), sent.id, text, sent.sent_at, sent.state == send_result::status::queued);
        count_queued();
    }
    void query(const std::string& name, const std::string& text) {
        std::string exact = name;
        try {
            exact = client_.server().user(name).name;
        } catch (const error& e) {
            if (!can_wait_in_outbox(e)) throw;  // no such user; papo-server away: as typed
        }
        if (exact == me_) throw error(error_kind::usage, "that is you");
        names_.users.insert(exact);
        model_.open(conversation_id::direct(exact));
        if (!text.empty()) direct(exact, text);
    }
    void open_topic(const std::string& topic) {
        const auto name = client_.server().topic(topic).name;
        if (std::find(joined_.begin(), joined_.end(), name) == joined_.end())
            throw error(error_kind::usage, "you are not in #" + name + ": /join " + name);
        model_.open(conversation_id::topic(name));
    }
    void join(const std::string& topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /join there");
        const auto joined = client_.join(topic, queue_, *numbering_);
        if (std::find(joined_.begin(), joined_.end(), joined.name) == joined_.end()) joined_.push_back(joined.name);
        names_.topics.insert(joined.name);
        const auto id = conversation_id::topic(joined.name);
        model_.open(id);
        say("joined #" + joined.name);
        try {
            for (const auto& post : client_.history(joined.name)) model_.message(post);
        } catch (const error& e) {
            say("no history: " + std::string(e.what()));
        }
        refresh_members();
    }
    void leave(std::string topic) {
        if (mirror_) throw error("this papo follows another one that holds your queue: /leave there");
        if (topic.empty()) {
            const auto* open = model_.open();
            if (!open || !open->id.is_topic()) throw error(error_kind::usage, "/leave TOPIC (the open conversation is no topic)");
            topic = open->id.name;
        }
        const auto left = client_.leave(topic, queue_, *numbering_);
        joined_.erase(std::remove(joined_.begin(), joined_.end(), left.name), joined_.end());
        model_.remove(conversation_id::topic(left.name));
        say("left #" + left.name);
    }
    void who() {
        for (const auto& u : client_.users()) {
            model_.set_presence(u.name, u.online);
            names_.users.insert(u.name);
            say(u.name + (u.name == me_ ? "  online (you)" : u.online ? "  online" : "  offline"));
        }
    }
    void topic_list() {
        const auto all = client_.topics();
        if (all.empty()) say("(no topics)");
        for (const auto& t : all) {
            names_.topics.insert(t.name);
            const bool member = std::find(joined_.begin(), joined_.end(), t.name) != joined_.end();
            say("#" + t.name + "  " + std::to_string(t.members) + (t.members == 1 ? " member" : " members") + (member ? "  (joined)" : ""));
            if (auto* c = model_.find(conversation_id::topic(t.name))) c->members = t.members;
        }
    }

    const context& c_;
    chat_model model_;
    screen_events events_;
    user_client client_;
    std::string me_;
    session queue_;
    supervisor reconnects_;
    std::unique_ptr<terminal> tty_;
    std::unique_ptr<session> mirror_;
    session* out_ = &queue_;
    std::string announced_since_;
    std::vector<std::string> joined_;
    known_names names_;  // for Tab
    reader* numbering_ = nullptr;
    int page_rows_ = 10;
    bool quit_ = false;
    std::string refused_;
};

}  // namespace

bool screen_wanted(const context& c, bool plain) { return !plain && !c.json && terminal::possible(); }

int screen_chat(const context& c) { return screen(c).run(); }

}  // namespace papo::cli
