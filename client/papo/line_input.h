#pragma once
// Lines typed by the user, read without blocking so incoming messages can be
// printed meanwhile. On a terminal GNU readline keeps the line being typed intact
// while a message is printed above it; from a pipe, plain lines are read.
#include <functional>
#include <string>
#include <vector>

namespace papo::cli {

class line_input {
public:
    explicit line_input(std::string prompt);
    ~line_input();
    line_input(const line_input&) = delete;
    line_input& operator=(const line_input&) = delete;

    int fd() const { return 0; }
    // Call when fd() is readable: the complete lines typed so far.
    std::vector<std::string> take_lines();
    bool at_end() const { return at_end_; }
    // Prints one line above the prompt, then redraws the prompt and the typed text.
    void print_above(const std::string& text);
    // Like print_above, but `text` takes the place of the line last typed (still on the
    // screen as prompt + line), so a message sent shows once, as the chat words it.
    void replace_last_typed(const std::string& text);
    // Tab on a terminal: `complete(before, word)` gives the candidates for `word`, the
    // one being typed, after the text `before` it; readline keeps those starting with
    // `word` (never file names).
    using completer = std::function<std::vector<std::string>(const std::string& before, const std::string& word)>;
    void set_completer(completer complete);
    // The terminal bell (BEL), on a terminal only.
    void bell();
    bool terminal() const { return terminal_; }

private:
    std::string prompt_;
    bool terminal_;
    bool at_end_ = false;
    std::string partial_;  // pipe mode: text after the last newline
    std::string last_typed_;  // terminal mode: the last line taken, as readline echoed it
};

}  // namespace papo::cli
