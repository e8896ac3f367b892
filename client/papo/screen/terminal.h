#pragma once
// The chat screen's one contact with the terminal, through ncursesw: the alternate
// screen, keys decoded into key_press, frames painted (only the cells that changed go
// out), the size. While it is open, whatever papo writes to stderr (warnings of the log)
// is caught in a pipe and handed back as lines to show, so nothing scribbles over the
// screen; at the end the terminal is as it was and what is left goes to stderr.
#include "chat_model.h"
#include "windows.h"

#include <string>
#include <vector>

namespace papo::tui {

class terminal {
public:
    // Whether papo can open the screen: stdin and stdout a terminal, TERM set and not
    // "dumb", and terminfo knows it.
    static bool possible();

    terminal();  // throws papo::error when the terminal cannot be opened
    ~terminal();
    terminal(const terminal&) = delete;
    terminal& operator=(const terminal&) = delete;

    int input_fd() const { return 0; }
    int width() const;
    int height() const;
    // Every key typed since the last call (none when there is none: never blocks).
    std::vector<key_press> keys();
    void paint(const frame& f);
    // The terminal bell (or a flash where it has none).
    void ring();
    // Lines written to stderr meanwhile.
    std::vector<std::string> errors();

private:
    void restore_stderr();
    void* screen_ = nullptr;  // SCREEN*, kept out of this header with ncurses' macros
    int saved_stderr_ = -1;
    int errors_in_ = -1;
    std::string partial_error_;
};

}  // namespace papo::tui
