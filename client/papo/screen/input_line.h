#pragma once
// The text being typed, as code points with a cursor: what the input window shows and
// the editing keys change. Only characters the renderer would show as they are can be
// typed, so what is sent is what was on the screen.
#include <string>

namespace papo::tui {

class input_line {
public:
    // False (and nothing inserted) for a control, bidi or other character render.h escapes.
    bool insert(char32_t c);
    void left() { if (cursor_ > 0) --cursor_; }
    void right() { if (cursor_ < text_.size()) ++cursor_; }
    void home() { cursor_ = 0; }
    void end() { cursor_ = text_.size(); }
    void backspace();
    void erase();            // the character under the cursor (Delete)
    void erase_to_start();   // Ctrl-U
    void erase_to_end();     // Ctrl-K
    void set(const std::string& utf8);
    // The word before the cursor (after the last space): where it starts.
    std::size_t word_start() const;
    // Tab: the code points from `from` to the cursor become `utf8`, the cursor after it.
    void replace_before_cursor(std::size_t from, const std::string& utf8);
    std::string text() const;
    const std::u32string& code_points() const { return text_; }
    std::size_t cursor() const { return cursor_; }
    bool empty() const { return text_.empty(); }
    // The text, leaving the line empty.
    std::string take();

private:
    std::u32string text_;
    std::size_t cursor_ = 0;
};

}  // namespace papo::tui
