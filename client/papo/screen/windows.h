#pragma once
// The chat screen's windows as pure functions of the model (profanity's model: a type of
// window per job, all over the conversations' buffers): each returns rows of styled
// spans, no wider than it is given; draw() puts them together into one frame that
// terminal.cpp paints. Every text from the network is rendered (papo/render.h) here, on
// its way into a span: no span holds a control character.
#include "chat_model.h"

#include <ctime>
#include <string>
#include <vector>

namespace papo::tui {

enum class look {
    plain, status, status_warning, status_good, title, separator, heading, selected, unread, online,
    dim, sender, mine, topic, good, warning, date, remark,
};
struct span {
    std::string text;  // safe UTF-8 (render.h), never a control character
    look style = look::plain;
};
using row = std::vector<span>;

int cells_of(const row& r);
// Rows of at most `width` cells, broken at a space in the second half of a row where
// there is one; styles kept.
std::vector<row> wrap_row(const row& r, int width);

// The top line: who you are, the broker, the connection, what waits, today's date.
row status_window(const chat_model& m, int width, std::time_t now);
// Conversations with their number (Alt-N), presence (* online) and unread count.
std::vector<row> sidebar_window(const chat_model& m, int width, int height);
// The open conversation (or papo's window): a title row, then the buffer's last rows
// scrolled back by its `scroll`, a date line wherever the day changes.
struct conversation_rows {
    std::vector<row> rows;
    int most_scroll = 0;  // how far back there is to scroll
};
conversation_rows conversation_window(const chat_model& m, int width, int height);
// The prompt ("#lobby> ") and the typed text, scrolled sideways to keep the cursor in
// view; `cursor` gets the cursor's column.
row input_window(const chat_model& m, int width, int& cursor);

struct frame {
    int width = 0, height = 0;
    std::vector<row> rows;  // exactly `height`, each exactly `width` cells
    int cursor_row = 0, cursor_column = 0;
    int page_rows = 1;    // rows of messages PgUp/PgDn move by
    int most_scroll = 0;
};
frame draw(const chat_model& m, int width, int height, std::time_t now);
// A frame as text, one line per row with trailing spaces removed (for tests).
std::string plain_text(const frame& f);

// "[HH:MM]" / "Wed 2 Dec 2026" of an RFC 3339 UTC time in local time; "" when it is no such time.
std::string local_clock(const std::string& sent_at);
std::string local_day(const std::string& sent_at);
std::string local_day(std::time_t when);

}  // namespace papo::tui
