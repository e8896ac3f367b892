// How papo prints results and events: the formats the README and the tests rely on.
#include "context.h"

#include "papo/render.h"

#include <signal.h>

#include <csignal>
#include <cstring>
#include <iostream>

namespace papo::cli {

void printed_events::message(const message_view& m) {
    if (c_.json) std::cout << to_json_line(m).dump() << std::endl;
    else std::cout << format_for_people(m, c_.style) << std::endl;
}

void printed_events::delivered(const std::string& reader, const outbox_entry& entry) {
    if (c_.json) {
        nlohmann::json j{{"kind", "delivered"}, {"id", entry.id}, {"sent_at", entry.sent_at}};
        if (entry.topic.empty()) j["to"] = reader;
        else j["topic"] = entry.topic;
        std::cout << j.dump() << std::endl;
        return;
    }
    std::cout << delivered_line(reader, entry, c_.style) << std::endl;
}

void printed_events::held(std::size_t count) {
    if (c_.json) std::cout << nlohmann::json{{"kind", "held"}, {"count", count}}.dump() << "\n";
    else std::cout << "(" << count << " message" << (count == 1 ? "" : "s") << " held back until earlier ones from the same sender arrive)\n";
}

void printed_events::connection(const connection_state& state) {
    if (state.what == connection_state::kind::offline) std::cerr << "papo: lost the broker; reconnecting..." << std::endl;
    else if (state.what == connection_state::kind::online) std::cerr << "papo: reconnected" << std::endl;
}

void printed_events::notice(const std::string& text) { std::cerr << "papo: " << safe_text(text) << "\n"; }

std::string queued_line(const send_result& r, const text_style& style) {
    return style.warning("queued for " + safe_text(r.to)) + " (" + safe_text(r.reason) + "); papo sends it when it next connects";
}

int print_send_result(const context& c, const send_result& r) {
    const bool queued = r.state == send_result::status::queued;
    if (c.json)
        std::cout << nlohmann::json{{"id", r.id}, {"to", r.to}, {"sent_at", r.sent_at}, {"status", queued ? "queued" : "sent"}}.dump() << "\n";
    else if (queued)
        std::cout << queued_line(r, c.style) << "\n";
    else
        std::cout << "sent to " << c.style.sender(safe_text(r.to)) << " (id " << r.id.substr(0, 8) << ")\n";
    return 0;
}

std::string delivered_line(const std::string& reader, const outbox_entry& entry, const text_style& style) {
    // The first 37 bytes, cut where a character starts; on one line (render.h).
    std::size_t cut = entry.text.size() > 40 ? 37 : entry.text.size();
    while (cut > 0 && cut < entry.text.size() && (static_cast<unsigned char>(entry.text[cut]) & 0xC0) == 0x80) --cut;
    const std::string text = safe_text(std::string_view(entry.text).substr(0, cut)) + (cut < entry.text.size() ? "..." : "");
    if (!entry.topic.empty())
        return "  " + style.good("\u2713") + " everyone in " + style.topic("#" + safe_text(entry.topic)) + " has your post: " + style.dim(text);
    return "  " + style.good("\u2713") + " " + style.sender(safe_text(reader)) + " has your message: " + style.dim(text);
}

namespace {
// The one piece of global state papo's commands keep: a signal handler can only set a flag.
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

}  // namespace papo::cli
