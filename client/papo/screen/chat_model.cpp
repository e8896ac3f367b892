#include "chat_model.h"

#include "chat_commands.h"
#include "text_cells.h"

#include <algorithm>
#include <set>

namespace papo::tui {

std::optional<conversation_id> conversation_id::from_key(const std::string& key) {
    if (key.size() < 2 || (key[0] != '#' && key[0] != '@')) return std::nullopt;
    return conversation_id{key[0] == '#' ? kind::topic : kind::direct, key.substr(1)};
}

chat_model::chat_model(std::string me, std::string broker) : me_(std::move(me)), broker_(std::move(broker)) {
    papo_window_.id = conversation_id::direct("papo");
}

const conversation* chat_model::open() const { return open_ ? find(*open_) : nullptr; }
conversation* chat_model::open() { return open_ ? find(*open_) : nullptr; }

std::optional<std::size_t> chat_model::open_index() const {
    if (!open_) return std::nullopt;
    for (std::size_t k = 0; k < conversations_.size(); ++k)
        if (conversations_[k].id == *open_) return k;
    return std::nullopt;
}

conversation* chat_model::find(const conversation_id& id) {
    for (auto& c : conversations_)
        if (c.id == id) return &c;
    return nullptr;
}

const conversation* chat_model::find(const conversation_id& id) const {
    for (const auto& c : conversations_)
        if (c.id == id) return &c;
    return nullptr;
}

void chat_model::sort() {
    std::stable_sort(conversations_.begin(), conversations_.end(), [](const conversation& a, const conversation& b) {
        if (a.id.is_topic() != b.id.is_topic()) return !a.id.is_topic();
        return a.id.name < b.id.name;
    });
}

conversation& chat_model::add(const conversation_id& id) {
    if (auto* known = find(id)) return *known;
    conversation c;
    c.id = id;
    conversations_.push_back(std::move(c));
    sort();
    return *find(id);
}

void chat_model::remove(const conversation_id& id) {
    conversations_.erase(std::remove_if(conversations_.begin(), conversations_.end(), [&](const conversation& c) { return c.id == id; }),
                         conversations_.end());
    if (open_ && *open_ == id) {
        open_.reset();
        open_changed_ = true;
        if (!conversations_.empty()) open(conversations_.front().id);
    }
}

void chat_model::ask_history(conversation& c) {
    if (c.history_asked || !history_) return;
    c.history_asked = true;
    std::set<std::string> have;
    for (const auto& e : c.buffer)
        if (!e.id.empty()) have.insert(e.id);
    std::vector<entry> earlier;
    for (const auto& m : history_(c.id, 200)) {
        if (!m.id.empty() && have.count(m.id)) continue;
        entry e;
        e.id = m.id;
        e.from = m.from;
        e.text = m.text;
        e.sent_at = m.sent_at;
        e.mine = m.from == me_;
        e.history = true;
        earlier.push_back(std::move(e));
    }
    c.buffer.insert(c.buffer.begin(), earlier.begin(), earlier.end());
}

void chat_model::open(const conversation_id& id) {
    auto& c = add(id);
    c.unread = 0;
    ask_history(c);
    if (!open_ || *open_ != id) {
        open_ = id;
        open_changed_ = true;
        browsing_ = false;
    }
}

void chat_model::open_number(std::size_t number) {
    if (number >= 1 && number <= conversations_.size()) open(conversations_[number - 1].id);
}

void chat_model::open_next() {
    if (conversations_.empty()) return;
    const auto at = open_index();
    open(conversations_[at ? (*at + 1) % conversations_.size() : 0].id);
}

void chat_model::open_previous() {
    if (conversations_.empty()) return;
    const auto at = open_index();
    open(conversations_[at ? (*at + conversations_.size() - 1) % conversations_.size() : conversations_.size() - 1].id);
}

bool chat_model::take_open_changed() {
    const bool changed = open_changed_;
    open_changed_ = false;
    return changed;
}

void chat_model::message(const message_view& m) {
    const auto id = m.direct ? conversation_id::direct(m.from == me_ ? m.to : m.from) : conversation_id::topic(m.topic);
    auto& c = add(id);
    entry e;
    e.id = m.id;
    e.from = m.from;
    e.text = m.text;
    e.sent_at = m.sent_at;
    e.waited = m.waited;
    e.history = m.history;
    e.late = m.late;
    e.maybe_repeat = m.maybe_repeat;
    e.missing_before = m.missing_before;
    c.buffer.push_back(std::move(e));
    if (!m.history && (!open_ || *open_ != id)) ++c.unread;
}

void chat_model::sent(const conversation_id& to, const std::string& id, const std::string& text, const std::string& sent_at, bool queued) {
    entry e;
    e.id = id;
    e.from = me_;
    e.text = text;
    e.sent_at = sent_at;
    e.mine = true;
    e.queued = queued;
    add(to).buffer.push_back(std::move(e));
}

void chat_model::delivered(const std::string& reader, const outbox_entry& delivered_entry) {
    const auto id = delivered_entry.topic.empty() ? conversation_id::direct(reader) : conversation_id::topic(delivered_entry.topic);
    auto& c = add(id);
    for (auto& e : c.buffer)
        if (e.mine && e.id == delivered_entry.id) {
            e.delivered = true;
            e.queued = false;
            return;
        }
    // Sent before this screen opened: say so where it was sent.
    std::string text = delivered_entry.text;
    if (text.size() > 40) text = text.substr(0, 37) + "...";  // render.h shows a cut sequence as escapes
    remark_in(id, std::string(id.is_topic() ? "everyone in " + id.shown() + " has your post: " : reader + " has your message: ") + text);
}

void chat_model::remark(const std::string& text) {
    entry e;
    e.what = entry::kind::remark;
    e.text = text;
    if (auto* c = open()) c->buffer.push_back(std::move(e));
    else papo_window_.buffer.push_back(std::move(e));
}

void chat_model::remark_in(const conversation_id& id, const std::string& text) {
    entry e;
    e.what = entry::kind::remark;
    e.text = text;
    add(id).buffer.push_back(std::move(e));
}

void chat_model::set_presence(const std::string& user, bool online) {
    if (user == me_) return;
    add(conversation_id::direct(user)).online = online;
}

void chat_model::history_step(int direction) {
    auto* c = open();
    if (!c || c->typed.empty()) return;
    if (!browsing_) {
        if (direction > 0) return;
        browsing_ = true;
        history_at_ = c->typed.size();
        draft_ = input_.text();
    }
    if (direction < 0 && history_at_ > 0) --history_at_;
    else if (direction > 0 && history_at_ < c->typed.size()) ++history_at_;
    if (history_at_ == c->typed.size()) {
        input_.set(draft_);
        browsing_ = false;
    } else {
        input_.set(c->typed[history_at_]);
    }
}

void chat_model::complete() {
    if (!complete_) return;
    const std::size_t from = input_.word_start();
    const auto& points = input_.code_points();
    const std::string before = encode_utf8(points.substr(0, from));
    const std::string word = encode_utf8(points.substr(from, input_.cursor() - from));
    const auto done = papo::cli::complete_word(word, complete_(before, word));
    if (done.word != word) return input_.replace_before_cursor(from, done.word);
    if (done.matches.size() > 1) {
        std::string list;
        for (const auto& m : done.matches) list += (list.empty() ? "" : "  ") + m;
        remark(list);
    }
}

void chat_model::clamp_scroll(int most) {
    auto* c = open();
    conversation& shown = c ? *c : papo_window_;
    shown.scroll = std::clamp(shown.scroll, 0, std::max(0, most));
}

std::optional<std::string> chat_model::key(const key_press& k, int page_rows) {
    using s = key_press::special;
    conversation* c = open();
    conversation& shown = c ? *c : papo_window_;
    const int page = std::max(1, page_rows - 1);  // a page keeps one row of the last one
    switch (k.what) {
        case s::none: input_.insert(k.character); break;
        case s::left: input_.left(); break;
        case s::right: input_.right(); break;
        case s::home: input_.home(); break;
        case s::end: input_.end(); break;
        case s::backspace: input_.backspace(); break;
        case s::erase: input_.erase(); break;
        case s::erase_to_start: input_.erase_to_start(); break;
        case s::erase_to_end: input_.erase_to_end(); break;
        case s::up: history_step(-1); break;
        case s::down: history_step(+1); break;
        case s::page_up: shown.scroll += page; break;  // clamped when drawn
        case s::page_down: shown.scroll = std::max(0, shown.scroll - page); break;
        case s::next_conversation: open_next(); break;
        case s::previous_conversation: open_previous(); break;
        case s::alt_digit: open_number(static_cast<std::size_t>(k.digit)); break;
        case s::redraw: break;
        case s::complete: complete(); break;
        case s::end_of_input:
            if (input_.empty()) quit_ = true;
            else input_.erase();
            break;
        case s::enter: {
            browsing_ = false;
            if (input_.empty()) return std::nullopt;
            std::string line = input_.take();
            if (c && (c->typed.empty() || c->typed.back() != line)) c->typed.push_back(line);
            shown.scroll = 0;
            return line;
        }
    }
    return std::nullopt;
}

}  // namespace papo::tui
