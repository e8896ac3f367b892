#pragma once
// Everything the chat screen shows, with no terminal and no broker: the conversations
// (sidebar order: DMs by name, then topics by name), the open one, unread counts,
// presence, the connection's state, the input line with its history per conversation,
// and what each key does. screen_chat.cpp feeds it client_events and keys;
// windows.h draws it; tests/unit/screen_model_test.cpp drives it directly.
#include "conversation.h"
#include "input_line.h"

#include "papo/client/message_view.h"
#include "papo/client/outbox.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace papo::tui {

// A key as the terminal layer decoded it: a character to insert, or one of these.
struct key_press {
    enum class special {
        none, enter, left, right, home, end, backspace, erase, erase_to_start, erase_to_end,
        up, down, page_up, page_down, next_conversation, previous_conversation, alt_digit, redraw, end_of_input, complete,  // complete: Tab
    };
    special what = special::none;
    char32_t character = 0;  // special::none
    int digit = 0;           // special::alt_digit: 1..9
};

struct connection_view {
    enum class state { connecting, online, offline, reconnecting };
    state what = state::connecting;
    std::string reason;                 // offline / reconnecting: why, as the supervisor said it
    std::chrono::milliseconds retry_in{0};
    std::size_t queued = 0;             // messages in the outbox not yet confirmed
    bool mirror = false;                // another papo of ours holds the queue
};

class chat_model {
public:
    chat_model(std::string me, std::string broker);

    const std::string& me() const { return me_; }
    const std::string& broker() const { return broker_; }
    connection_view& connection() { return connection_; }
    const connection_view& connection() const { return connection_; }

    const std::vector<conversation>& conversations() const { return conversations_; }
    // The open conversation, or nullptr when there is none (then the papo window shows).
    const conversation* open() const;
    conversation* open();
    // papo's own window: remarks made while no conversation is open, and the start text.
    const conversation& papo_window() const { return papo_window_; }
    std::optional<std::size_t> open_index() const;

    // Adds the conversation if it is new; returns it.
    conversation& add(const conversation_id& id);
    conversation* find(const conversation_id& id);
    const conversation* find(const conversation_id& id) const;
    void remove(const conversation_id& id);
    // Opens it (adding it): unread cleared, its recent history asked for once.
    void open(const conversation_id& id);
    // Alt-1..9: the Nth of the sidebar, counted from 1.
    void open_number(std::size_t number);
    void open_next();
    void open_previous();
    // Set whenever the open conversation changes (last_conversation.h keeps it).
    bool take_open_changed();

    void set_history_source(history_source source) { history_ = std::move(source); }
    // Tab: the candidates for the word before the cursor, given the text before that word
    // (chat_commands.h's chat_completions). The only match completes the word; several
    // complete what they share, and a second Tab lists them.
    using completer = std::function<std::vector<std::string>(const std::string& before, const std::string& word)>;
    void set_completer(completer complete) { complete_ = std::move(complete); }

    // A message shown by the reader (or a topic's history at a join): into its
    // conversation, counted unread unless that one is open (history never counts).
    void message(const message_view& m);
    // One of ours, sent or queued.
    void sent(const conversation_id& to, const std::string& id, const std::string& text, const std::string& sent_at, bool queued);
    // Its reader (for a post: every member) confirmed one of ours: its mark turns to
    // delivered; one sent before this screen opened gets a remark instead.
    void delivered(const std::string& reader, const outbox_entry& e);
    // papo's own words: in the open conversation (or papo's window).
    void remark(const std::string& text);
    void remark_in(const conversation_id& id, const std::string& text);
    void set_presence(const std::string& user, bool online);

    input_line& input() { return input_; }
    const input_line& input() const { return input_; }
    // A key: editing, history, scrolling, switching. Returns the line when Enter sent one
    // (kept in the open conversation's input history).
    std::optional<std::string> key(const key_press& k, int page_rows);
    // The windows clamp scrolling to what there is to show.
    void clamp_scroll(int most);
    bool quit_asked() const { return quit_; }

private:
    void sort();
    void history_step(int direction);
    void ask_history(conversation& c);
    void complete();

    std::string me_, broker_;
    connection_view connection_;
    std::vector<conversation> conversations_;
    conversation papo_window_;
    std::optional<conversation_id> open_;
    bool open_changed_ = false;
    history_source history_;
    completer complete_;
    input_line input_;
    // Browsing the open conversation's input history: where, and the line typed before.
    std::size_t history_at_ = 0;
    bool browsing_ = false;
    std::string draft_;
    bool quit_ = false;
};

}  // namespace papo::tui
