#include "input_line.h"

#include "text_cells.h"

#include "papo/render.h"

namespace papo::tui {

bool input_line::insert(char32_t c) {
    const std::string one = encode_utf8(std::u32string(1, c));
    if (c == 0 || c == U'\uFFFD' || safe_text(one) != one) return false;  // render.h would escape it
    text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_), c);
    ++cursor_;
    return true;
}

void input_line::backspace() {
    if (cursor_ == 0) return;
    text_.erase(--cursor_, 1);
}

void input_line::erase() {
    if (cursor_ < text_.size()) text_.erase(cursor_, 1);
}

void input_line::erase_to_start() {
    text_.erase(0, cursor_);
    cursor_ = 0;
}

void input_line::erase_to_end() { text_.erase(cursor_); }

void input_line::set(const std::string& utf8) {
    text_.clear();
    cursor_ = 0;
    for (const char32_t c : decode_utf8(utf8)) insert(c);
}

std::size_t input_line::word_start() const {
    std::size_t at = cursor_;
    while (at > 0 && text_[at - 1] != U' ') --at;
    return at;
}

void input_line::replace_before_cursor(std::size_t from, const std::string& utf8) {
    if (from > cursor_) return;
    const std::u32string after = text_.substr(cursor_);
    text_.erase(from);
    cursor_ = from;
    for (const char32_t c : decode_utf8(utf8)) insert(c);
    text_ += after;
}

std::string input_line::text() const { return encode_utf8(text_); }

std::string input_line::take() {
    std::string taken = text();
    text_.clear();
    cursor_ = 0;
    return taken;
}

}  // namespace papo::tui
