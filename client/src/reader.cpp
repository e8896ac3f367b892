#include "papo/client/reader.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/messages.h"
#include "papo/render.h"
#include "papo/state_file.h"
#include "papo/topics.h"

#include <algorithm>
#include <cstdio>

namespace papo {
nlohmann::json to_json_line(const message_view& m) {
    nlohmann::json j{{"kind", m.history ? "history" : m.direct ? "dm" : "post"}, {"from", m.from}, {"id", m.id},
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

std::int64_t ms_since_epoch(sequencer::clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::optional<std::string> action_of(const std::string& text) {
    if (text.size() > 4 && text.compare(0, 4, "/me ") == 0) return text.substr(4);
    return std::nullopt;
}

std::string format_for_people(const message_view& m, const text_style& style) {
    // Everything here but papo's own words came from the network (render.h).
    const std::string from = safe_text(m.from);
    std::string line = style.dim("[" + display_time(m.sent_at) + "]") + " ";
    if (const auto action = action_of(m.text)) {  // "/me waves": "* alice waves"
        line += (m.direct ? style.dm_mark("(to you)") + " " : style.topic("#" + safe_text(m.topic)) + " ") + "* " + style.sender(from) +
                " " + safe_multiline(*action);
    } else {
        line += m.direct ? style.sender(from) + " " + style.dm_mark("-> you")
                         : style.topic("#" + safe_text(m.topic)) + " " + style.sender(from);
        line += ": " + safe_multiline(m.text);
    }
    std::string remarks;
    if (m.waited) remarks += "  (waited while you were away)";
    if (m.missing_before)
        remarks += "  (" + std::to_string(m.missing_before) + " earlier message" + (m.missing_before == 1 ? "" : "s") +
                   " from " + from + " not here yet)";
    if (m.late) remarks += "  (arrived late)";
    if (m.maybe_repeat) remarks += "  (may have been shown already: papo stopped while showing it)";
    if (m.history) remarks += "  (history)";
    return line + (remarks.empty() ? "" : style.dim(remarks));
}

reader::reader(session& connection, std::string me, std::string state_dir_path, show_fn show)
    : connection_(connection),
      me_(std::move(me)),
      dir_(std::move(state_dir_path)),
      spool_file_(dir_.file("spool.jsonl")),
      seq_file_(dir_.file("seq_from")),
      held_file_(dir_.file("held.jsonl")),
      seen_(20000, dir_.file("seen")),
      outbox_(dir_.path()),
      show_fn_(std::move(show)) {
    for (const auto& word : seen_.ids()) sequencer_.restore_seen(word);
    std::size_t lines = 0;
    for (const auto& line : read_state_lines(seq_file_)) {
        ++lines;
        if (const auto record = parse_seq_from_line(line)) sequencer_.restore(*record);
    }
    // One line per message shown: rewritten short once it is mostly history.
    if (lines > 1000 && lines > 4 * sequencer_.numbers().size()) compact_numbers();
    load_held();
}

// Under the exclusive lock the file is read again and folded: lines another process
// appended since we read it are kept, whatever this process remembers.
void reader::compact_numbers() const {
    file_lock lock(seq_file_, file_lock::mode::exclusive);
    numbers_memory now;
    for (const auto& line : read_state_lines(seq_file_))
        if (const auto record = parse_seq_from_line(line)) now.apply(*record);
    std::string text;
    for (const auto& record : now.records()) text += seq_from_line(record) + '\n';
    replace_file(seq_file_, text);  // if it cannot, the long file stays
}

void reader::append_numbers(const std::vector<number_record>& records) const {
    std::string text;
    for (const auto& record : records) text += seq_from_line(record) + '\n';
    append_to_state_file(seq_file_, text);
}

namespace {
std::vector<std::pair<message_view, std::int64_t>> read_held_file(const std::string& file) {
    std::vector<std::pair<message_view, std::int64_t>> out;
    for (const auto& line : read_state_lines(file)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        try {
            out.emplace_back(view_from_json(j), j.value("held_at_ms", std::int64_t{-1}));
        } catch (const std::exception& e) {
            log_warn(std::string("skipped an unreadable held message: ") + e.what());
        }
    }
    return out;
}
}  // namespace

void reader::load_held() {
    if (held_file_.empty()) return;
    const auto now = sequencer::clock::now();
    for (const auto& [view, at_ms] : read_held_file(held_file_))
        sequencer_.restore_held(view, at_ms < 0 ? now : sequencer::clock::time_point(std::chrono::milliseconds(at_ms)));
}

// held.jsonl is rewritten whole, so it is merged: under the exclusive lock, the held
// messages another process wrote stay unless this one holds or has shown them.
void reader::save_held() {
    if (held_file_.empty()) return;
    file_lock lock(held_file_, file_lock::mode::exclusive);
    std::set<std::string> ours;
    std::string text;
    for (const auto& h : sequencer_.held_messages()) {
        auto j = state_json(h.view);
        j["held_at_ms"] = ms_since_epoch(h.held_at);
        text += j.dump() + '\n';
        ours.insert(sequencer::seen_word(h.view.from, h.view.id));
    }
    for (const auto& [view, at_ms] : read_held_file(held_file_)) {
        if (ours.count(sequencer::seen_word(view.from, view.id)) || sequencer_.has_seen(view.from, view.id)) continue;
        auto j = state_json(view);
        if (at_ms >= 0) j["held_at_ms"] = at_ms;
        text += j.dump() + '\n';
        ours.insert(sequencer::seen_word(view.from, view.id));
    }
    replace_file(held_file_, text);  // if it cannot (a full disk), the held messages still come again unconfirmed
}

void reader::apply(const sequencer_result& result) {
    std::vector<number_record> numbers;
    for (const auto& step : result.steps) {
        switch (step.what) {
            case sequencer_step::kind::acknowledge:
                unreceipted_[step.view.from].push_back(step.view.id);
                ++repeats_;
                break;
            case sequencer_step::kind::record:
                numbers.push_back(step.record);
                break;
            case sequencer_step::kind::show: {
                append_numbers(numbers);  // records before a show are written before it
                numbers.clear();
                message_view view = step.view;
                const std::string word = sequencer::seen_word(view.from, view.id);
                view.maybe_repeat = seen_.maybe_shown(word) || seen_.maybe_shown(view.id);
                // Announced before and recorded after it is shown: a crash in between shows it
                // once more next time, marked as a possible repeat, never loses it.
                seen_.showing(word);
                show_fn_(view);
                if (history_) {
                    try {
                        history_->record(view, me_);
                    } catch (const error&) {
                        // a full disk or a locked database: the message was shown all the same
                    }
                }
                seen_.first_time(word);
                unreceipted_[view.from].push_back(view.id);
                ++shown_;
                break;
            }
        }
    }
    append_numbers(numbers);
    if (result.held_changed) save_held();
}

void reader::joined_topic(const std::string& topic, const nlohmann::json& numbers) { apply(sequencer_.joined_topic(topic, numbers)); }

void reader::forget_numbers_of_topic(const std::string& topic) { apply(sequencer_.forget_numbers_of_topic(topic)); }

void reader::tick() { apply(sequencer_.tick(sequencer::clock::now())); }

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

bool reader::handle(const inbound& message) {
    if (take_receipt(message)) return true;
    auto view = view_of(message);
    if (!view) return topics::parse(message.topic).has_value();
    apply(sequencer_.offer(*view, sequencer::clock::now()));
    return true;
}

bool reader::spool(const inbound& message) {
    if (take_receipt(message)) return true;  // nothing to show later: the outbox is updated now
    auto view = view_of(message);
    if (!view || spool_file_.empty()) return false;
    return append_to_state_file(spool_file_, state_json(*view).dump() + '\n');
}

void reader::keep_the_rest(std::chrono::milliseconds quiet) {
    while (auto message = connection_.next(quiet))
        if (!message->connection_lost) spool(*message);
}

void reader::show_spooled() {
    if (spool_file_.empty()) return;
    // Exclusive while it is shown and removed: a line another process spools meanwhile
    // waits, then starts the next spool file instead of vanishing with this one.
    file_lock lock(spool_file_, file_lock::mode::exclusive);
    const auto lines = read_state_lines(spool_file_);
    if (lines.empty()) return;
    for (const auto& line : lines) {
        try {
            auto view = view_from_json(nlohmann::json::parse(line));
            view.waited = true;
            apply(sequencer_.offer(view, sequencer::clock::now()));
        } catch (const std::exception& e) {
            log_warn(std::string("skipped an unreadable spooled message: ") + e.what());
        }
    }
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

}  // namespace papo
