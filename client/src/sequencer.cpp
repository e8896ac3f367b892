#include "papo/client/sequencer.h"

#include <algorithm>

namespace papo {

numbering_key numbering_of(const message_view& m) { return {m.from, m.direct ? "" : m.topic, m.series}; }

std::size_t sequencer_result::shown() const {
    return static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), [](const sequencer_step& s) { return s.what == sequencer_step::kind::show; }));
}

std::vector<message_view> sequencer_result::views() const {
    std::vector<message_view> out;
    for (const auto& s : steps)
        if (s.what == sequencer_step::kind::show) out.push_back(s.view);
    return out;
}

void sequencer::restore_seen(const std::string& word) { seen_.first_time(word); }

bool sequencer::has_seen(const std::string& sender, const std::string& id) const {
    return seen_.contains(seen_word(sender, id)) || seen_.contains(id);  // bare: an older file's, any sender
}

void sequencer::restore_held(const message_view& view, clock::time_point held_at) {
    if (view.seq && !has_seen(view.from, view.id)) held_[numbering_of(view)][*view.seq] = {view, held_at};
}

std::size_t sequencer::held() const {
    std::size_t count = 0;
    for (const auto& [key, by_seq] : held_) count += by_seq.size();
    return count;
}

std::vector<sequencer::held_message> sequencer::held_messages() const {
    std::vector<held_message> out;
    for (const auto& [key, by_seq] : held_)
        for (const auto& [seq, h] : by_seq) out.push_back(h);
    return out;
}

void sequencer::acknowledge(const message_view& view, sequencer_result& out) {
    out.steps.push_back({sequencer_step::kind::acknowledge, view, {}});
}

// Marks the view's gap or lateness against the highest number shown, shows it and
// records the new highest number.
void sequencer::show(message_view view, sequencer_result& out) {
    seen_.first_time(seen_word(view.from, view.id));
    bool advanced = false;
    numbering_key key;
    if (view.seq) {
        key = numbering_of(view);
        const auto known = numbers_.last_shown.find(key);
        if (known != numbers_.last_shown.end()) {
            if (*view.seq > known->second + 1) view.missing_before = *view.seq - known->second - 1;
            if (*view.seq <= known->second) view.late = true;
        }
        if (known == numbers_.last_shown.end() || *view.seq > known->second) {
            numbers_.last_shown[key] = *view.seq;
            advanced = true;
        }
    }
    out.steps.push_back({sequencer_step::kind::show, view, {}});
    if (advanced) out.steps.push_back({sequencer_step::kind::record, {}, {number_record::kind::last_shown, key, *view.seq}});
}

sequencer_result sequencer::offer(const message_view& view, clock::time_point now) {
    sequencer_result out;
    if (has_seen(view.from, view.id)) {  // shown before: acknowledge again, show nothing
        acknowledge(view, out);
        return out;
    }
    if (!view.seq) {
        show(view, out);
        return out;
    }
    const numbering_key key = numbering_of(view);
    if (const auto floor = numbers_.before_join.find(key);
        !view.direct && floor != numbers_.before_join.end() && *view.seq <= floor->second) {
        acknowledge(view, out);  // made before we joined: acknowledge, do not show
        return out;
    }
    // The sender knows we confirmed every DM up to `through` (on this machine or
    // another): the numbers start there, so a first DM that overtook an earlier one
    // still waits for it. (Posts carry none: one payload serves every member.)
    if (view.direct && view.through) {
        auto& last = numbers_.last_shown[key];
        last = std::max(last, *view.through);
    }
    // A post from a sender we have no numbers of, in a topic joined with papo-server's
    // numbers: that sender posted nothing since we joined, so it starts from 1.
    if (!view.direct && numbers_.numbered_topics.count(view.topic)) numbers_.last_shown.try_emplace(key, 0);
    auto& waiting = held_[key];
    if (waiting.count(*view.seq)) return out;  // a copy of one already held
    const auto known = numbers_.last_shown.find(key);
    if (hold_limit_.count() > 0 && known != numbers_.last_shown.end() && *view.seq > known->second + 1) {
        waiting[*view.seq] = {view, now};  // an earlier one is missing: wait for it
        out.held_changed = true;
        return out;
    }
    if (waiting.empty()) held_.erase(key);
    show(view, out);
    release(key, out);
    return out;
}

// Shows, in order, the held messages that now follow on from what was shown.
void sequencer::release(const numbering_key& key, sequencer_result& out) {
    const auto found = held_.find(key);
    if (found == held_.end()) return;
    auto& waiting = found->second;
    while (!waiting.empty() && waiting.begin()->first <= numbers_.last_shown[key] + 1) {
        const message_view next = waiting.begin()->second.view;
        waiting.erase(waiting.begin());
        out.held_changed = true;
        if (!has_seen(next.from, next.id)) show(next, out);
    }
    if (waiting.empty()) held_.erase(found);
}

sequencer_result sequencer::tick(clock::time_point now) {
    sequencer_result out;
    std::vector<numbering_key> overdue;
    for (const auto& [key, waiting] : held_) {
        auto oldest = now;
        for (const auto& [seq, h] : waiting) oldest = std::min(oldest, h.held_at);
        if (!waiting.empty() && now - oldest >= hold_limit_) overdue.push_back(key);
    }
    for (const auto& key : overdue) {  // the gap did not fill: show what we have, noting it
        auto& waiting = held_[key];
        const message_view first = waiting.begin()->second.view;
        waiting.erase(waiting.begin());
        out.held_changed = true;
        if (!has_seen(first.from, first.id)) show(first, out);
        release(key, out);
        if (held_.count(key) && held_[key].empty()) held_.erase(key);
    }
    return out;
}

sequencer_result sequencer::forget_numbers_of_topic(const std::string& topic) {
    sequencer_result out;
    const auto record = [&out](number_record::kind what, numbering_key key) {
        out.steps.push_back({sequencer_step::kind::record, {}, {what, std::move(key), 0}});
    };
    if (numbers_.numbered_topics.erase(topic)) {
        numbering_key key;
        key.topic = topic;
        record(number_record::kind::numbered_topic, key);
    }
    const auto forget = [&](std::map<numbering_key, std::uint64_t>& numbers, number_record::kind what) {
        for (auto it = numbers.begin(); it != numbers.end();) {
            if (it->first.topic != topic) { ++it; continue; }
            record(what, it->first);
            it = numbers.erase(it);
        }
    };
    forget(numbers_.last_shown, number_record::kind::last_shown);
    forget(numbers_.before_join, number_record::kind::before_join);
    for (auto it = held_.begin(); it != held_.end();) {
        if (it->first.topic != topic) { ++it; continue; }
        const auto waiting = std::move(it->second);  // nothing to wait for any more: show them
        it = held_.erase(it);
        out.held_changed = true;
        for (const auto& [seq, h] : waiting)
            if (!has_seen(h.view.from, h.view.id)) show(h.view, out);
    }
    return out;
}

sequencer_result sequencer::joined_topic(const std::string& topic, const nlohmann::json& numbers) {
    sequencer_result out = forget_numbers_of_topic(topic);
    if (!numbers.is_object()) return out;  // an older papo-server: numbers start at the first post seen
    for (const auto& [sender, n] : numbers.items()) {
        if (!n.is_number_unsigned() || n.get<std::uint64_t>() == 0) continue;
        const auto key = numbering_key::from_sender_text(sender, topic);
        const auto number = n.get<std::uint64_t>();
        numbers_.last_shown[key] = number;
        numbers_.before_join[key] = number;
        out.steps.push_back({sequencer_step::kind::record, {}, {number_record::kind::last_shown, key, number}});
        out.steps.push_back({sequencer_step::kind::record, {}, {number_record::kind::before_join, key, number}});
    }
    numbers_.numbered_topics.insert(topic);
    numbering_key key;
    key.topic = topic;
    out.steps.push_back({sequencer_step::kind::record, {}, {number_record::kind::numbered_topic, key, 1}});
    return out;
}

}  // namespace papo
