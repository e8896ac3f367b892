#include "windows.h"

#include "text_cells.h"

#include "papo/render.h"

#include <algorithm>

namespace papo::tui {
namespace {

std::optional<std::tm> local_tm_of(const std::string& sent_at) {
    if (!is_rfc3339_utc(sent_at)) return std::nullopt;
    std::tm utc{};
    if (!strptime(sent_at.c_str(), "%Y-%m-%dT%H:%M:%S", &utc)) return std::nullopt;
    const std::time_t when = timegm(&utc);
    std::tm local{};
    localtime_r(&when, &local);
    return local;
}

std::string day_text(const std::tm& t) {
    char text[48];
    std::strftime(text, sizeof text, "%a %e %b %Y", &t);
    std::string day = text;
    const auto doubled = day.find("  ");  // %e pads one-digit days
    if (doubled != std::string::npos) day.erase(doubled, 1);
    return day;
}

row padded(row r, int width, look fill) {
    const int used = cells_of(r);
    if (used < width) r.push_back({std::string(static_cast<std::size_t>(width - used), ' '), fill});
    return r;
}

// `r` cut to `width` cells, then padded to exactly `width`.
row fitted(const row& r, int width, look fill = look::plain) {
    row out;
    int used = 0;
    for (const auto& s : r) {
        if (used >= width) break;
        const std::string cut = cut_to_cells(s.text, width - used);
        used += cell_width(cut);
        out.push_back({cut, s.style});
    }
    return padded(out, width, fill);
}

// One entry of a buffer as rows (before wrapping): its lines.
std::vector<row> entry_lines(const entry& e, const std::string& me) {
    if (e.what == entry::kind::remark) return {{{"-- " + safe_text(e.text), look::remark}}};
    const std::string clock = local_clock(e.sent_at);
    row first{{"[" + (clock.empty() ? std::string("unknown time") : clock) + "] ", look::dim}};
    const bool mine = e.mine || e.from == me;
    // "/me waves" is an action: "* alice waves" (our own too, by name, as others see it).
    const auto action = action_of(e.text);
    if (action) first.push_back({"* ", look::plain});
    if (mine && !action) first.push_back({"you", look::mine});
    else first.push_back({safe_text(e.from), mine ? look::mine : look::sender});
    first.push_back({action ? " " : ": ", look::plain});
    // A text of several lines stays one message: each further line starts with the
    // continuation marker (render.h), so it cannot pose as a message of its own.
    const std::string text = safe_multiline(action ? *action : e.text);
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at; (at = text.find('\n', start)) != std::string::npos; start = at + 1) parts.push_back(text.substr(start, at - start));
    parts.push_back(text.substr(start));
    std::vector<row> lines;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        row r = k == 0 ? first : row{};
        r.push_back({parts[k], e.mine ? look::mine : look::plain});
        lines.push_back(std::move(r));
    }
    row& last = lines.back();
    if (e.mine) {
        if (e.delivered) last.push_back({" \u2713", look::good});
        else if (e.queued) last.push_back({" (queued)", look::warning});
    }
    std::string notes;
    if (e.waited) notes += " (waited)";
    if (e.history) notes += " (history)";
    if (e.late) notes += " (arrived late)";
    if (e.missing_before) notes += " (" + std::to_string(e.missing_before) + " earlier not here yet)";
    if (e.maybe_repeat) notes += " (may be shown twice)";
    if (!notes.empty()) last.push_back({notes, look::dim});
    return lines;
}

}  // namespace

std::string local_clock(const std::string& sent_at) {
    const auto t = local_tm_of(sent_at);
    if (!t) return "";
    char text[16];
    std::strftime(text, sizeof text, "%H:%M", &*t);
    return text;
}

std::string local_day(const std::string& sent_at) {
    const auto t = local_tm_of(sent_at);
    return t ? day_text(*t) : "";
}

std::string local_day(std::time_t when) {
    std::tm local{};
    localtime_r(&when, &local);
    return day_text(local);
}

int cells_of(const row& r) {
    int cells = 0;
    for (const auto& s : r) cells += cell_width(s.text);
    return cells;
}

std::vector<row> wrap_row(const row& r, int width) {
    width = std::max(width, 2);
    struct cell {
        char32_t c;
        look style;
    };
    std::vector<cell> all;
    for (const auto& s : r)
        for (const char32_t c : decode_utf8(s.text)) all.push_back({c, s.style});
    std::vector<std::vector<cell>> lines(1);
    int used = 0;
    for (const auto& one : all) {
        const int w = cell_width(one.c);
        if (used + w > width) {
            auto& line = lines.back();
            std::vector<cell> rest;
            int before = 0, space_at = -1, cells_before_space = 0;
            for (std::size_t k = 0; k < line.size(); ++k) {
                if (line[k].c == U' ') space_at = static_cast<int>(k), cells_before_space = before;
                before += cell_width(line[k].c);
            }
            if (space_at >= 0 && cells_before_space > width / 2) {
                rest.assign(line.begin() + space_at + 1, line.end());
                line.resize(static_cast<std::size_t>(space_at));
            }
            lines.push_back(rest);
            used = 0;
            for (const auto& c : rest) used += cell_width(c.c);
        }
        lines.back().push_back(one);
        used += w;
    }
    std::vector<row> rows;
    for (const auto& line : lines) {
        row out;
        for (const auto& c : line) {
            if (out.empty() || out.back().style != c.style) out.push_back({"", c.style});
            out.back().text += encode_utf8(std::u32string(1, c.c));
        }
        rows.push_back(out);
    }
    return rows;
}

row status_window(const chat_model& m, int width, std::time_t now) {
    const auto& c = m.connection();
    std::string broker = m.broker();
    if (broker.rfind("tcp://", 0) == 0) broker.erase(0, 6);
    row r{{" papo  " + safe_text(m.me()) + " @ " + safe_text(broker) + "  ", look::status}};
    // The state and what waits first: the reason may be long and is cut at the edge.
    std::string reason;
    switch (c.what) {
        case connection_view::state::connecting: r.push_back({"connecting", look::status}); break;
        case connection_view::state::online: r.push_back({"online", look::status_good}); break;
        case connection_view::state::offline: r.push_back({"offline, reconnecting", look::status_warning}); break;
        case connection_view::state::reconnecting: {
            const auto s = std::max<long long>(1, (c.retry_in.count() + 500) / 1000);
            r.push_back({"offline, reconnecting in " + std::to_string(s) + " s", look::status_warning});
            reason = "  (" + safe_text(c.reason) + ")";
            break;
        }
    }
    if (c.queued) r.push_back({"  " + std::to_string(c.queued) + " queued", look::status_warning});
    if (c.mirror) r.push_back({"  (another papo of yours holds the queue)", look::status});
    if (!reason.empty()) r.push_back({reason, look::status});
    const std::string day = local_day(now) + " ";
    const int room = width - cells_of(r) - cell_width(day);
    if (room > 0) r.push_back({std::string(static_cast<std::size_t>(room), ' '), look::status}), r.push_back({day, look::status});
    return fitted(r, width, look::status);
}

std::vector<row> sidebar_window(const chat_model& m, int width, int height) {
    std::vector<row> rows;
    const auto open = m.open_index();
    bool topics_heading = false;
    rows.push_back(fitted({{" DMs", look::heading}}, width));
    const auto& all = m.conversations();
    for (std::size_t k = 0; k < all.size(); ++k) {
        const auto& c = all[k];
        if (c.id.is_topic() && !topics_heading) {
            rows.push_back(fitted({{" Topics", look::heading}}, width));
            topics_heading = true;
        }
        const bool selected = open && *open == k;
        const std::string number = k < 9 ? std::to_string(k + 1) : " ";
        const std::string unread = c.unread ? " " + std::to_string(c.unread) + " " : " ";
        row r{{number + " ", selected ? look::selected : look::dim}};
        r.push_back({c.id.is_topic() ? " " : c.online ? "*" : " ", selected ? look::selected : look::online});
        const int name_room = width - cells_of(r) - cell_width(unread);
        r.push_back({fit_to_cells(safe_text(c.id.shown()), std::max(0, name_room)), selected ? look::selected : c.unread ? look::unread : look::plain});
        r.push_back({unread, selected ? look::selected : look::unread});
        rows.push_back(fitted(r, width, selected ? look::selected : look::plain));
    }
    if (!topics_heading) rows.push_back(fitted({{" Topics", look::heading}}, width));
    // The open one stays in view when there are more than fit.
    if (static_cast<int>(rows.size()) > height && open) {
        const int open_row = static_cast<int>(*open) + 1 + (all[*open].id.is_topic() ? 1 : 0);
        const int first = std::clamp(open_row - height / 2, 0, static_cast<int>(rows.size()) - height);
        rows.erase(rows.begin(), rows.begin() + first);
    }
    rows.resize(static_cast<std::size_t>(std::max(0, height)), fitted({}, width));
    return rows;
}

conversation_rows conversation_window(const chat_model& m, int width, int height) {
    conversation_rows out;
    const conversation* open = m.open();
    const conversation& shown = open ? *open : m.papo_window();
    row title;
    if (!open) title.push_back({"papo: /query NAME or /join TOPIC to start, /help for the keys", look::title});
    else if (shown.id.is_topic()) {
        title.push_back({safe_text(shown.id.shown()), look::title});
        if (shown.members >= 0) title.push_back({"  " + std::to_string(shown.members) + (shown.members == 1 ? " member" : " members"), look::dim});
    } else {
        title.push_back({safe_text(shown.id.shown()), look::title});
        title.push_back({shown.online ? "  online" : "  offline", look::dim});
    }
    // Only the newest entries that can be on the screen are laid out (each takes a row
    // at least), so a long conversation costs no more to draw than a short one.
    const int visible = std::max(0, height - 1);
    const std::size_t wanted = static_cast<std::size_t>(std::max(0, shown.scroll) + visible + 1);
    const std::size_t start = shown.buffer.size() > wanted ? shown.buffer.size() - wanted : 0;
    std::string day;
    for (std::size_t k = start; k-- > 0 && day.empty();)
        if (shown.buffer[k].what == entry::kind::message) day = local_day(shown.buffer[k].sent_at);
    std::vector<row> all;
    for (std::size_t k = start; k < shown.buffer.size(); ++k) {
        const auto& e = shown.buffer[k];
        if (e.what == entry::kind::message) {
            const std::string this_day = local_day(e.sent_at);
            if (!this_day.empty() && this_day != day) {
                all.push_back({{"-- " + this_day + " --", look::date}});
                day = this_day;
            }
        }
        for (const auto& line : entry_lines(e, m.me()))
            for (auto& wrapped : wrap_row(line, width)) all.push_back(std::move(wrapped));
    }
    // With earlier entries left out there is at least one row more to scroll back to.
    out.most_scroll = std::max(0, static_cast<int>(all.size()) - visible + (start > 0 ? 1 : 0));
    const int scroll = std::clamp(shown.scroll, 0, out.most_scroll);
    if (scroll > 0) title.push_back({"  (scrolled back " + std::to_string(scroll) + " rows; PgDn)", look::warning});
    out.rows.push_back(fitted(title, width));
    const int end = static_cast<int>(all.size()) - scroll;
    const int begin = std::max(0, end - visible);
    for (int k = begin; k < end; ++k) out.rows.push_back(fitted(all[static_cast<std::size_t>(k)], width));
    // Newest at the bottom, right above the input line.
    const auto filler = static_cast<std::size_t>(std::max(0, height - static_cast<int>(out.rows.size())));
    out.rows.insert(out.rows.begin() + 1, filler, fitted({}, width));
    out.rows.resize(static_cast<std::size_t>(std::max(0, height)));
    return out;
}

row input_window(const chat_model& m, int width, int& cursor) {
    const conversation* open = m.open();
    const std::string prompt = safe_text(open ? open->id.shown() : std::string("papo")) + "> ";
    const int prompt_cells = cell_width(prompt);
    const auto& text = m.input().code_points();
    std::size_t first = 0;
    const int room = std::max(1, width - prompt_cells - 1);
    while (cell_width(std::u32string_view(text).substr(first, m.input().cursor() - first)) > room) ++first;
    const std::string shown = encode_utf8(std::u32string_view(text).substr(first));
    cursor = std::min(width - 1, prompt_cells + cell_width(std::u32string_view(text).substr(first, m.input().cursor() - first)));
    return fitted({{prompt, look::title}, {shown, look::plain}}, width);
}

frame draw(const chat_model& m, int width, int height, std::time_t now) {
    frame f;
    f.width = std::max(1, width);
    f.height = std::max(1, height);
    f.rows.push_back(status_window(m, f.width, now));
    const int body = f.height - 3;
    if (body >= 1) {
        int side = 0;
        if (f.width >= 50) {
            std::size_t longest = 6;
            for (const auto& c : m.conversations()) longest = std::max<std::size_t>(longest, cell_width(safe_text(c.id.shown())));
            side = std::clamp(static_cast<int>(longest) + 8, 14, std::min(28, f.width / 3));
        }
        const int view_width = side ? f.width - side - 2 : f.width;
        const auto view = conversation_window(m, view_width, body);
        f.page_rows = std::max(1, body - 1);
        f.most_scroll = view.most_scroll;
        const auto bar = side ? sidebar_window(m, side, body) : std::vector<row>{};
        for (int k = 0; k < body; ++k) {
            row r;
            if (side) {
                r = bar[static_cast<std::size_t>(k)];
                r.push_back({"| ", look::separator});
            }
            for (const auto& s : view.rows[static_cast<std::size_t>(k)]) r.push_back(s);
            f.rows.push_back(r);
        }
        std::string rule(static_cast<std::size_t>(f.width), '-');
        if (side) rule[static_cast<std::size_t>(side)] = '+';
        f.rows.push_back({{rule, look::separator}});
    }
    while (static_cast<int>(f.rows.size()) < f.height - 1) f.rows.push_back(fitted({}, f.width));
    if (f.height >= 2) {
        int cursor = 0;
        f.rows.push_back(input_window(m, f.width, cursor));
        f.cursor_row = f.height - 1;
        f.cursor_column = cursor;
    }
    f.rows.resize(static_cast<std::size_t>(f.height));
    return f;
}

std::string plain_text(const frame& f) {
    std::string out;
    for (const auto& r : f.rows) {
        std::string line;
        for (const auto& s : r) line += s.text;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace papo::tui
