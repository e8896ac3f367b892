#include "papo/client/reader.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/state_file.h"
#include "papo/topics.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace papo {

nlohmann::json to_json_line(const message_view& m) {
    nlohmann::json j{{"kind", m.direct ? "dm" : "post"}, {"from", m.from}, {"id", m.id},
                     {"text", m.text}, {"sent_at", m.sent_at}, {"waited", m.waited}};
    if (m.direct) j["to"] = m.to;
    else j["topic"] = m.topic;
    if (m.seq) j["seq"] = *m.seq;
    if (m.missing_before) j["missing_before"] = m.missing_before;
    if (m.late) j["late"] = true;
    if (m.maybe_repeat) j["maybe_repeat"] = true;
    return j;
}

namespace {

// A view as papo's own state files keep it (spool, held): what --json shows, plus the
// sender's numbering, so a message shown from there counts in the right sequence.
nlohmann::json state_json(const message_view& m) {
    auto j = to_json_line(m);
    if (m.through) j["through"] = *m.through;
    if (!m.series.empty()) j["series"] = m.series;
    return j;
}

message_view view_from_json(const nlohmann::json& j) {
    message_view view;
    view.direct = j.at("kind") == "dm";
    view.from = j.at("from");
    view.to = j.value("to", "");
    view.topic = j.value("topic", "");
    view.id = j.at("id");
    view.text = j.at("text");
    view.sent_at = j.at("sent_at");
    view.waited = j.value("waited", false);
    if (j.contains("seq") && j["seq"].is_number_unsigned()) view.seq = j["seq"].get<std::uint64_t>();
    if (j.contains("through") && j["through"].is_number_unsigned()) view.through = j["through"].get<std::uint64_t>();
    view.series = j.value("series", "");
    return view;
}

// Each sender numbers DMs per recipient and posts per topic, within the series of its
// outbox: "alice", "alice#lobby", then "/<series>" when the sender names one.
std::string sequence_key(const message_view& view) {
    const std::string key = view.direct ? view.from : view.from + "#" + view.topic;
    return view.series.empty() ? key : key + "/" + view.series;
}

// Whether a key numbers posts in `topic` (whatever the sender and series).
bool numbers_posts_in(const std::string& key, const std::string& topic) {
    const auto hash = key.find('#');
    if (hash == std::string::npos) return false;
    const auto slash = key.find('/', hash);
    return key.compare(hash + 1, slash == std::string::npos ? std::string::npos : slash - hash - 1, topic) == 0;
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_for_people(const message_view& m) {
    std::string line = "[" + local_time_for_display(m.sent_at) + "] ";
    line += m.direct ? m.from + " -> you" : "#" + m.topic + " " + m.from;
    line += ": " + m.text;
    if (m.waited) line += "  (waited while you were away)";
    if (m.missing_before)
        line += "  (" + std::to_string(m.missing_before) + " earlier message" + (m.missing_before == 1 ? "" : "s") +
                " from " + m.from + " not here yet)";
    if (m.late) line += "  (arrived late)";
    if (m.maybe_repeat) line += "  (may have been shown already: papo stopped while showing it)";
    return line;
}

reader::reader(session& connection, std::string me, std::string state_dir, show_fn show)
    : connection_(connection),
      me_(std::move(me)),
      spool_file_(state_dir.empty() ? "" : state_dir + "/spool.jsonl"),
      seen_(20000, state_dir.empty() ? "" : state_dir + "/seen"),
      outbox_(state_dir),
      show_fn_(std::move(show)),
      seq_file_(state_dir.empty() ? "" : state_dir + "/seq_from"),
      held_file_(state_dir.empty() ? "" : state_dir + "/held.jsonl") {
    std::ifstream in(seq_file_);
    std::string key;
    std::uint64_t n = 0;
    std::size_t lines = 0;
    while (in >> key >> n) {
        ++lines;
        if (key[0] == '@') {  // a topic joined with papo-server's numbers (1), or left (0)
            if (n) numbered_topics_.insert(key.substr(1));
            else numbered_topics_.erase(key.substr(1));
        } else if (key[0] == '^') {  // posts up to n were made before we joined
            if (n) before_join_[key.substr(1)] = n;
            else before_join_.erase(key.substr(1));
        } else if (n == 0) {
            last_seq_.erase(key);  // forgotten (a topic joined or left)
        } else {
            last_seq_[key] = std::max(last_seq_[key], n);
        }
    }
    in.close();
    // One line per message shown: rewritten short once it is mostly history.
    if (lines > 1000 && lines > 4 * (last_seq_.size() + before_join_.size() + numbered_topics_.size())) compact_sequences();
    load_held();
}

void reader::compact_sequences() const {
    std::ostringstream text;
    for (const auto& topic : numbered_topics_) text << '@' << topic << " 1\n";
    for (const auto& [key, n] : before_join_) text << '^' << key << ' ' << n << '\n';
    for (const auto& [key, n] : last_seq_) text << key << ' ' << n << '\n';
    replace_file(seq_file_, text.str());  // if it cannot, the long file stays
}

void reader::load_held() {
    if (held_file_.empty()) return;
    std::ifstream in(held_file_);
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        try {
            auto view = view_from_json(j);
            if (view.seq && !seen_.contains(view.id))
                held_[sequence_key(view)][*view.seq] = {view, j.value("held_at_ms", wall_ms())};
        } catch (const std::exception& e) {
            log_warn(std::string("skipped an unreadable held message: ") + e.what());
        }
    }
}

void reader::save_held() const {
    if (held_file_.empty()) return;
    std::string text;
    for (const auto& [key, by_seq] : held_)
        for (const auto& [seq, h] : by_seq) {
            auto j = state_json(h.view);
            j["held_at_ms"] = h.held_at_ms;
            text += j.dump() + '\n';
        }
    replace_file(held_file_, text);  // if it cannot (a full disk), the held messages still come again unconfirmed
}

std::size_t reader::held() const {
    std::size_t count = 0;
    for (const auto& [from, by_seq] : held_) count += by_seq.size();
    return count;
}

bool reader::note_sequence(message_view& view) {
    if (!view.seq) return false;
    const std::string key = sequence_key(view);
    const auto known = last_seq_.find(key);
    if (known != last_seq_.end()) {
        if (*view.seq > known->second + 1) view.missing_before = *view.seq - known->second - 1;
        if (*view.seq <= known->second) view.late = true;
    }
    if (known != last_seq_.end() && *view.seq <= known->second) return false;
    last_seq_[key] = *view.seq;
    return true;
}

void reader::save_sequence(const std::string& key, std::uint64_t n) const {
    if (!seq_file_.empty()) std::ofstream(seq_file_, std::ios::app) << key << ' ' << n << '\n';
}

void reader::joined_topic(const std::string& topic, const nlohmann::json& numbers) {
    forget_numbers_of_topic(topic);
    if (!numbers.is_object()) return;  // an older papo-server: numbers start at the first post seen
    for (const auto& [sender, n] : numbers.items()) {
        if (!n.is_number_unsigned() || n.get<std::uint64_t>() == 0) continue;
        const auto slash = sender.find('/');
        const std::string key = sender.substr(0, slash) + "#" + topic + (slash == std::string::npos ? "" : sender.substr(slash));
        last_seq_[key] = n.get<std::uint64_t>();
        before_join_[key] = n.get<std::uint64_t>();
        save_sequence(key, n.get<std::uint64_t>());
        save_sequence("^" + key, n.get<std::uint64_t>());
    }
    numbered_topics_.insert(topic);
    save_sequence("@" + topic, 1);
}

void reader::forget_numbers_of_topic(const std::string& topic) {
    if (numbered_topics_.erase(topic)) save_sequence("@" + topic, 0);
    const auto ends_with_topic = [&](const std::string& key) { return numbers_posts_in(key, topic); };
    // Both kinds of numbers are "<mark><key> 0" lines in seq_from when forgotten.
    const auto forget = [&](std::map<std::string, std::uint64_t>& numbers, const std::string& mark) {
        for (auto it = numbers.begin(); it != numbers.end();) {
            if (!ends_with_topic(it->first)) { ++it; continue; }
            save_sequence(mark + it->first, 0);
            it = numbers.erase(it);
        }
    };
    forget(last_seq_, "");
    forget(before_join_, "^");
    bool changed = false;
    for (auto it = held_.begin(); it != held_.end();) {
        if (!ends_with_topic(it->first)) { ++it; continue; }
        const auto waiting = std::move(it->second);  // nothing to wait for any more: show them
        it = held_.erase(it);
        changed = true;
        for (const auto& [seq, h] : waiting)
            if (!seen_.contains(h.view.id)) display(h.view);
    }
    if (changed) save_held();
}

bool reader::take_receipt(const inbound& message) {
    const auto route = topics::parse(message.topic);
    if (!route || route->type != topics::route::kind::receipt || route->user != me_) return false;
    if (spool_file_.empty()) return true;  // no state folder, no outbox
    try {
        for (const auto& entry : outbox_.confirm(route->from, decode<receipt>(message.payload).ids))
            if (delivered_fn_) delivered_fn_(route->from, entry);
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
    // Our own post sent from another connection of ours (No Local spares only the
    // queue's own connection): not news to us.
    if (route->type == k::post && route->from == me_) return std::nullopt;
    message_view view;
    view.direct = route->type == k::inbox;
    view.from = route->from;  // the sender is the topic level, never a JSON field
    (view.direct ? view.to : view.topic) = view.direct ? route->user : route->topic;
    try {
        const auto m = decode<chat_message>(message.payload);
        view.id = m.id;
        view.text = m.text;
        view.sent_at = m.sent_at;
        view.seq = m.seq;
        view.through = m.through;
        view.series = m.series;
    } catch (const error& e) {
        ++malformed_;
        log_warn("dropped a malformed message on " + message.topic + ": " + e.what());
        return std::nullopt;
    }
    view.waited = !online_since_.empty() && view.sent_at < online_since_;
    return view;
}

void reader::show(const message_view& view) {
    if (seen_.contains(view.id)) {  // shown before: acknowledge again, show nothing
        unreceipted_[view.from].push_back(view.id);
        ++repeats_;
        return;
    }
    if (!view.seq) {
        display(view);
        return;
    }
    const std::string key = sequence_key(view);
    if (const auto floor = before_join_.find(key); !view.direct && floor != before_join_.end() && *view.seq <= floor->second) {
        unreceipted_[view.from].push_back(view.id);  // made before we joined: acknowledge, do not show
        ++repeats_;
        return;
    }
    // The sender knows we confirmed every DM up to `through` (on this machine or
    // another): the numbers start there, so a first DM that overtook an earlier one
    // still waits for it. (Posts carry none: one payload serves every member.)
    if (view.direct && view.through) {
        auto& last = last_seq_[key];
        last = std::max(last, *view.through);
    }
    // A post from a sender we have no numbers of, in a topic joined with papo-server's
    // numbers: that sender posted nothing since we joined, so it starts from 1.
    if (!view.direct && numbered_topics_.count(view.topic)) last_seq_.try_emplace(key, 0);
    auto& waiting = held_[key];
    if (waiting.count(*view.seq)) return;  // a copy of one already held
    const auto known = last_seq_.find(key);
    if (hold_limit_.count() > 0 && known != last_seq_.end() && *view.seq > known->second + 1) {
        waiting[*view.seq] = {view, wall_ms()};  // an earlier one is missing: wait for it
        save_held();
        return;
    }
    if (waiting.empty()) held_.erase(key);
    display(view);
    release(key);
}

void reader::display(message_view view) {
    view.maybe_repeat = seen_.maybe_shown(view.id);
    // Announced before and recorded after it is shown: a crash in between shows it
    // once more next time, marked as a possible repeat, never loses it.
    seen_.showing(view.id);
    const bool advanced = note_sequence(view);
    show_fn_(view);
    if (advanced) save_sequence(sequence_key(view), *view.seq);
    seen_.first_time(view.id);
    unreceipted_[view.from].push_back(view.id);
    ++shown_;
}

// Shows, in order, the held messages that now follow on from what was shown.
void reader::release(const std::string& key) {
    const auto found = held_.find(key);
    if (found == held_.end()) return;
    auto& waiting = found->second;
    bool changed = false;
    while (!waiting.empty() && waiting.begin()->first <= last_seq_[key] + 1) {
        const message_view next = waiting.begin()->second.view;
        waiting.erase(waiting.begin());
        changed = true;
        if (!seen_.contains(next.id)) display(next);
    }
    if (waiting.empty()) held_.erase(found);
    if (changed) save_held();
}

void reader::tick() {
    if (held_.empty()) return;
    const std::int64_t now = wall_ms();
    std::vector<std::string> overdue;
    for (const auto& [key, waiting] : held_) {
        std::int64_t oldest = now;
        for (const auto& [seq, h] : waiting) oldest = std::min(oldest, h.held_at_ms);
        if (!waiting.empty() && now - oldest >= hold_limit_.count()) overdue.push_back(key);
    }
    if (overdue.empty()) return;
    for (const auto& key : overdue) {  // the gap did not fill: show what we have, noting it
        auto& waiting = held_[key];
        const message_view first = waiting.begin()->second.view;
        waiting.erase(waiting.begin());
        if (!seen_.contains(first.id)) display(first);
        release(key);
        if (held_.count(key) && held_[key].empty()) held_.erase(key);
    }
    save_held();
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
    out << state_json(*view).dump() << '\n';
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
            auto view = view_from_json(nlohmann::json::parse(line));
            view.waited = true;
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
