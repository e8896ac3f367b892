#pragma once
// What every papo command needs: the user's side (papo/client/user_client.h) plus how
// to print. client/papo only parses options and displays results and events; the
// operations themselves are papo_client's, shared with the chat.
#include "papo/client/user_client.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace papo::cli {

struct context {
    client_config client;
    bool json = false;
    double wait_seconds = 0;
    text_style style;  // colour on a terminal (--color, NO_COLOR): colour.cpp
    // papo login: which profile, the file of its stored login, and whether the password
    // in use came from it.
    std::string profile = "default";
    std::string login_path;
    bool password_from_login = false;
    std::string new_password_file;  // papo passwd
    std::optional<std::string> new_password;  // passwd: from the file or PAPO_NEW_PASSWORD, read before any prompt
    // papo history: --search, --since (checked: seconds since the epoch), --limit.
    std::string search_words;
    std::optional<std::int64_t> since;
    std::size_t limit = 50;
};

// --color's value (auto, always, never; nullopt when it is none of them) and whether
// lines for people get colour: auto means a terminal on stdout, TERM not "dumb" and no
// NO_COLOR (https://no-color.org); never with --json.
std::optional<bool> colour_wanted(const std::string& when, bool json);

// One file each in commands/; each returns the process exit status; errors are thrown
// as papo::error.
int send_direct(const context& c, const std::string& to, const std::string& text);
int post_to_topic(const context& c, const std::string& topic, const std::string& text);
int join_topic(const context& c, const std::string& topic);
int leave_topic(const context& c, const std::string& topic);
int read_messages(const context& c);
int list_users(const context& c);
int list_topics(const context& c);
int show_outbox(const context& c);
int interactive(const context& c);
// commands/history.cpp: the local history; `conversation` "" for all, "bob" or "#lobby".
int show_history(const context& c, const std::string& conversation);
// commands/login.cpp: the stored login (papo/client/stored_login.h).
int log_in(const context& c);
int log_out(const context& c);
int change_password(const context& c);

// How the one-shot commands and `read` show events: stdout (text or one JSON document a
// line), connection changes and notices on stderr.
class printed_events : public client_events {
public:
    explicit printed_events(const context& c) : c_(c) {}
    void message(const message_view& m) override;
    void delivered(const std::string& reader, const outbox_entry& entry) override;
    void held(std::size_t count) override;
    void connection(const connection_state& state) override;
    void notice(const std::string& text) override;

private:
    const context& c_;
};

// "sent to bob (id 1234abcd)" / "queued for bob (why); ..." or the JSON line; returns 0.
int print_send_result(const context& c, const send_result& r);
// The queued line for people.
std::string queued_line(const send_result& r, const text_style& style = {});
// The line that says `reader` (or, for a post, every member) has one of our messages.
std::string delivered_line(const std::string& reader, const outbox_entry& entry, const text_style& style = {});

// Ctrl-C, kill (SIGTERM) or a closed terminal (SIGHUP) then end `read` and interactive
// papo the way their normal end does: the message being shown is finished and recorded,
// receipts go out, nothing is shown twice next time. A second signal stops at once.
void stop_gracefully_on_signals();
// The signal that asked us to stop, or 0.
int stop_signal_received();
// Says so on stderr; returns the exit status (128 + signal).
int stopped_by_signal();

}  // namespace papo::cli
