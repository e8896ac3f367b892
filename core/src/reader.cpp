#include "papo/reader.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/topics.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace papo {

nlohmann::json to_json_line(const message_view& m) {
    nlohmann::json j{{"kind", m.direct ? "dm" : "post"}, {"from", m.from}, {"id", m.id},
                     {"text", m.text}, {"sent_at", m.sent_at}, {"waited", m.waited}};
    if (m.direct) j["to"] = m.to;
    else j["topic"] = m.topic;
    if (m.seq) j["seq"] = *m.seq;
    if (m.missing_before) j["missing_before"] = m.missing_before;
    if (m.late) j["late"] = true;
    return j;
}

std::string format_for_people(const message_view& m) {
    std::string line = "[" + local_time_for_display(m.sent_at) + "] ";
    line += m.direct ? m.from + " -> you" : "#" + m.topic + " " + m.from;
    line += ": " + m.text;
    if (m.waited) line += "  (waited while you were away)";
    if (m.missing_before)
        line += "  (" + std::to_string(m.missing_before) + " earlier message" + (m.missing_before == 1 ? "" : "s") +
                " from " + m.from + " not here yet)";
    if (m.late) line += "  (arrived late)";
    return line;
}

reader::reader(session& connection, std::string me, std::string state_dir, show_fn show)
    : connection_(connection),
      me_(std::move(me)),
      spool_file_(state_dir.empty() ? "" : state_dir + "/spool.jsonl"),
      seen_(20000, state_dir.empty() ? "" : state_dir + "/seen"),
      outbox_(state_dir),
      show_fn_(std::move(show)),
      seq_file_(state_dir.empty() ? "" : state_dir + "/seq_from") {
    std::ifstream in(seq_file_);
    std::string sender;
    std::uint64_t n = 0;
    while (in >> sender >> n) last_seq_[sender] = std::max(last_seq_[sender], n);
}

void reader::note_sequence(message_view& view) {
    if (!view.seq || !view.direct) return;
    const auto known = last_seq_.find(view.from);
    if (known != last_seq_.end()) {
        if (*view.seq > known->second + 1) view.missing_before = *view.seq - known->second - 1;
        if (*view.seq <= known->second) view.late = true;
    }
    if (known == last_seq_.end() || *view.seq > known->second) {
        last_seq_[view.from] = *view.seq;
        if (!seq_file_.empty()) std::ofstream(seq_file_, std::ios::app) << view.from << ' ' << *view.seq << '\n';
    }
}

bool reader::take_receipt(const inbound& message) {
    const auto route = topics::parse(message.topic);
    if (!route || route->type != topics::route::kind::receipt || route->first != me_) return false;
    if (spool_file_.empty()) return true;  // no state folder, no outbox
    try {
        for (const auto& entry : outbox_.confirm(route->second, decode<receipt>(message.payload).ids))
            if (delivered_fn_) delivered_fn_(route->second, entry);
    } catch (const error& e) {
        ++malformed_;
        log_warn("dropped a malformed receipt on " + message.topic + ": " + e.what());
    }
    return true;
}

std::optional<message_view> reader::view_of(const inbound& message) {
    const auto route = topics::parse(message.topic);
    if (!route) return std::nullopt;
    using k = topics::route::kind;
    if (route->type != k::inbox && route->type != k::post) return std::nullopt;
    message_view view;
    view.direct = route->type == k::inbox;
    view.from = route->second;  // the sender is the topic level, never a JSON field
    (view.direct ? view.to : view.topic) = route->first;
    try {
        const auto m = decode<chat_message>(message.payload);
        view.id = m.id;
        view.text = m.text;
        view.sent_at = m.sent_at;
        view.seq = m.seq;
    } catch (const error& e) {
        ++malformed_;
        log_warn("dropped a malformed message on " + message.topic + ": " + e.what());
        return std::nullopt;
    }
    view.waited = !online_since_.empty() && view.sent_at < online_since_;
    return view;
}

void reader::show(const message_view& view) {
    unreceipted_[view.from].push_back(view.id);
    if (!seen_.first_time(view.id)) {  // shown before: acknowledge again, show nothing
        ++repeats_;
        return;
    }
    ++shown_;
    message_view numbered = view;
    note_sequence(numbered);
    show_fn_(numbered);
}

bool reader::handle(const inbound& message) {
    if (take_receipt(message)) return true;
    auto view = view_of(message);
    if (!view) return topics::parse(message.topic).has_value();
    show(*view);
    return true;
}

bool reader::spool(const inbound& message) {
    if (take_receipt(message)) return true;  // nothing to show later: the outbox is updated now
    auto view = view_of(message);
    if (!view || spool_file_.empty()) return false;
    std::ofstream out(spool_file_, std::ios::app);
    out << to_json_line(*view).dump() << '\n';
    out.flush();
    return static_cast<bool>(out);
}

void reader::keep_the_rest() {
    while (auto message = connection_.next(std::chrono::milliseconds(50)))
        if (!message->connection_lost) spool(*message);
}

void reader::show_spooled() {
    if (spool_file_.empty()) return;
    std::ifstream in(spool_file_);
    if (!in) return;
    for (std::string line; std::getline(in, line);) {
        try {
            const auto j = nlohmann::json::parse(line);
            message_view view;
            view.direct = j.at("kind") == "dm";
            view.from = j.at("from");
            view.to = j.value("to", "");
            view.topic = j.value("topic", "");
            view.id = j.at("id");
            view.text = j.at("text");
            view.sent_at = j.at("sent_at");
            view.waited = true;
            if (j.contains("seq") && j["seq"].is_number_unsigned()) view.seq = j["seq"].get<std::uint64_t>();
            show(view);
        } catch (const std::exception& e) {
            log_warn(std::string("skipped an unreadable spooled message: ") + e.what());
        }
    }
    in.close();
    send_receipts();
    std::remove(spool_file_.c_str());
}

void reader::send_receipts() {
    // At most 500 ids (about 18 KB) per receipt, far below the 64 KiB payload limit.
    constexpr std::size_t ids_per_receipt = 500;
    for (auto& [sender, ids] : unreceipted_) {
        for (std::size_t start = 0; start < ids.size(); start += ids_per_receipt) {
            const auto end = ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + ids_per_receipt));
            connection_.publish_async(topics::receipt(sender, me_),
                                      encode(receipt{{ids.begin() + static_cast<std::ptrdiff_t>(start), end}}));
        }
        ids.clear();
    }
    unreceipted_.clear();
    connection_.flush();
}

std::string default_state_dir(const std::string& base, const std::string& user, const std::string& broker) {
    std::string root = base;
    if (root.empty()) {
        if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) root = std::string(xdg) + "/papo";
        else if (const char* home = std::getenv("HOME"); home && *home) root = std::string(home) + "/.local/state/papo";
        else root = "/tmp/papo-state";
    }
    std::string where = broker.substr(broker.find("://") == std::string::npos ? 0 : broker.find("://") + 3);
    for (char& c : where)
        if (c == ':' || c == '/') c = '_';
    const std::string dir = root + "/" + user + "@" + where;
    // mkdir -p, private to the user: the spool holds message text.
    for (std::size_t slash = 1; slash != std::string::npos; slash = dir.find('/', slash + 1))
        ::mkdir(dir.substr(0, slash).c_str(), 0700);
    ::mkdir(dir.c_str(), 0700);
    return dir;
}

}  // namespace papo
