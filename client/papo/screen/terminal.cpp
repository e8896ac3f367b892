#include "terminal.h"

#include "papo/error.h"

#define NCURSES_NOMACROS
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

#include <fcntl.h>
#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace papo::tui {
namespace {

enum pair_number : short { pair_status = 1, pair_good, pair_warning, pair_sender, pair_mine, pair_topic, pair_date, pair_status_good, pair_status_warning };

attr_t attribute_of(look style, bool colour) {
    auto pair = [&](short p) { return colour ? COLOR_PAIR(p) : attr_t{0}; };
    switch (style) {
        case look::plain: return A_NORMAL;
        case look::status: return colour ? pair(pair_status) : A_REVERSE;
        case look::status_good: return colour ? pair(pair_status_good) | A_BOLD : A_REVERSE | A_BOLD;
        case look::status_warning: return colour ? pair(pair_status_warning) | A_BOLD : A_REVERSE | A_BOLD;
        case look::title: return A_BOLD;
        case look::separator: return A_DIM;
        case look::heading: return A_BOLD | A_UNDERLINE;
        case look::selected: return A_REVERSE;
        case look::unread: return A_BOLD | pair(pair_warning);
        case look::online: return pair(pair_good) | A_BOLD;
        case look::dim: return A_DIM;
        case look::sender: return A_BOLD | pair(pair_sender);
        case look::mine: return pair(pair_mine);
        case look::topic: return pair(pair_topic);
        case look::good: return pair(pair_good) | A_BOLD;
        case look::warning: return pair(pair_warning);
        case look::date: return pair(pair_date) | A_BOLD;
        case look::remark: return A_DIM;
    }
    return A_NORMAL;
}

bool utf8_locale() {
    const char* codeset = nl_langinfo(CODESET);
    return codeset && (std::strcmp(codeset, "UTF-8") == 0 || std::strcmp(codeset, "utf8") == 0);
}

}  // namespace

bool terminal::possible() {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return false;
    const char* term = std::getenv("TERM");
    if (!term || !*term || std::strcmp(term, "dumb") == 0) return false;
    int status = 0;
    if (setupterm(term, STDOUT_FILENO, &status) != OK) return false;
    const bool addressable = tigetstr("cup") != nullptr && tigetstr("cup") != reinterpret_cast<char*>(-1);
    del_curterm(cur_term);
    return addressable;
}

terminal::terminal() {
    // The characters' widths and ncursesw's output follow LC_CTYPE; papo writes UTF-8
    // everywhere else too, so a locale without it (LANG unset: "C") takes C.UTF-8.
    std::setlocale(LC_CTYPE, "");
    if (!utf8_locale()) std::setlocale(LC_CTYPE, "C.UTF-8");
    set_escdelay(25);  // Alt-N comes as ESC N in one write; a lone ESC is not waited for long
    SCREEN* opened = newterm(nullptr, stdout, stdin);
    if (!opened) throw error("cannot open the terminal for the chat screen (papo --plain runs the line chat)");
    screen_ = opened;
    set_term(opened);
    cbreak();  // Ctrl-C stays a signal: papo ends as it always does on one
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    if (has_colors()) {
        start_color();
        use_default_colors();
        init_pair(pair_status, COLOR_BLACK, COLOR_CYAN);
        init_pair(pair_status_good, COLOR_BLACK, COLOR_GREEN);
        init_pair(pair_status_warning, COLOR_BLACK, COLOR_YELLOW);
        init_pair(pair_good, COLOR_GREEN, -1);
        init_pair(pair_warning, COLOR_YELLOW, -1);
        init_pair(pair_sender, COLOR_BLUE, -1);
        init_pair(pair_mine, COLOR_CYAN, -1);
        init_pair(pair_topic, COLOR_GREEN, -1);
        init_pair(pair_date, COLOR_MAGENTA, -1);
    }
    // stderr into a pipe of ours while the screen is up.
    int ends[2];
    if (::pipe(ends) == 0) {
        std::fflush(stderr);
        std::cerr.flush();
        saved_stderr_ = ::dup(STDERR_FILENO);
        ::dup2(ends[1], STDERR_FILENO);
        ::close(ends[1]);
        errors_in_ = ends[0];
        ::fcntl(errors_in_, F_SETFL, O_NONBLOCK);
        ::fcntl(STDERR_FILENO, F_SETFL, O_NONBLOCK);  // a full pipe loses a warning, never blocks the chat
    }
}

void terminal::restore_stderr() {
    if (saved_stderr_ < 0) return;
    std::fflush(stderr);
    std::cerr.flush();
    std::string rest = partial_error_;
    char buffer[4096];
    for (ssize_t n; (n = ::read(errors_in_, buffer, sizeof buffer)) > 0;) rest.append(buffer, static_cast<std::size_t>(n));
    ::dup2(saved_stderr_, STDERR_FILENO);
    ::close(saved_stderr_);
    ::close(errors_in_);
    saved_stderr_ = errors_in_ = -1;
    std::cerr.clear();
    std::clearerr(stderr);
    if (!rest.empty()) std::cerr << rest << (rest.back() == '\n' ? "" : "\n") << std::flush;
}

terminal::~terminal() {
    if (screen_) {
        endwin();
        delscreen(static_cast<SCREEN*>(screen_));
    }
    restore_stderr();
}

int terminal::width() const { return getmaxx(stdscr); }
int terminal::height() const { return getmaxy(stdscr); }

std::vector<key_press> terminal::keys() {
    using s = key_press::special;
    std::vector<key_press> keys;
    for (;;) {
        wint_t key = 0;
        const int got = wget_wch(stdscr, &key);
        if (got == ERR) break;
        key_press k;
        if (got == KEY_CODE_YES) {
            switch (key) {
                case KEY_LEFT: k.what = s::left; break;
                case KEY_RIGHT: k.what = s::right; break;
                case KEY_HOME: k.what = s::home; break;
                case KEY_END: k.what = s::end; break;
                case KEY_BACKSPACE: k.what = s::backspace; break;
                case KEY_DC: k.what = s::erase; break;
                case KEY_UP: k.what = s::up; break;
                case KEY_DOWN: k.what = s::down; break;
                case KEY_PPAGE: k.what = s::page_up; break;
                case KEY_NPAGE: k.what = s::page_down; break;
                case KEY_ENTER: k.what = s::enter; break;
                case KEY_RESIZE: k.what = s::redraw; break;
                default: continue;
            }
            keys.push_back(k);
            continue;
        }
        switch (key) {
            case L'\r': case L'\n': k.what = s::enter; break;
            case 127: case 8: k.what = s::backspace; break;
            case 9: k.what = s::complete; break;  // Tab
            case 1: k.what = s::home; break;            // Ctrl-A
            case 5: k.what = s::end; break;             // Ctrl-E
            case 2: k.what = s::left; break;            // Ctrl-B
            case 6: k.what = s::right; break;           // Ctrl-F
            case 4: k.what = s::end_of_input; break;    // Ctrl-D
            case 11: k.what = s::erase_to_end; break;   // Ctrl-K
            case 21: k.what = s::erase_to_start; break; // Ctrl-U
            case 12: k.what = s::redraw; break;         // Ctrl-L
            case 14: k.what = s::next_conversation; break;      // Ctrl-N
            case 16: k.what = s::previous_conversation; break;  // Ctrl-P
            case 27: {  // Alt-N arrives as ESC N
                wint_t next = 0;
                if (wget_wch(stdscr, &next) == OK && next >= L'1' && next <= L'9') {
                    k.what = s::alt_digit;
                    k.digit = static_cast<int>(next - L'0');
                    break;
                }
                continue;  // a lone ESC or an Alt key papo does not use
            }
            default:
                if (key < 0x20) continue;
                k.character = static_cast<char32_t>(key);
        }
        keys.push_back(k);
    }
    return keys;
}

void terminal::paint(const frame& f) {
    const bool colour = has_colors();
    for (int y = 0; y < static_cast<int>(f.rows.size()) && y < height(); ++y) {
        wmove(stdscr, y, 0);
        for (const auto& s : f.rows[static_cast<std::size_t>(y)]) {
            std::string text = s.text;
            // render.h made every text safe; a control byte here would be papo's own bug,
            // and it still never reaches the terminal.
            for (char& c : text)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
            wattrset(stdscr, static_cast<int>(attribute_of(s.style, colour)));
            waddnstr(stdscr, text.c_str(), static_cast<int>(text.size()));
        }
        wattrset(stdscr, A_NORMAL);
        wclrtoeol(stdscr);
    }
    wmove(stdscr, f.cursor_row, f.cursor_column);
    wrefresh(stdscr);
}

void terminal::ring() { beep(); }

std::vector<std::string> terminal::errors() {
    std::vector<std::string> caught;
    if (errors_in_ < 0) return caught;
    std::fflush(stderr);
    std::cerr.flush();
    std::cerr.clear();  // a write that found the pipe full failed; the next ones may not
    std::clearerr(stderr);
    char buffer[4096];
    for (ssize_t n; (n = ::read(errors_in_, buffer, sizeof buffer)) > 0;) partial_error_.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t line_end; (line_end = partial_error_.find('\n')) != std::string::npos;) {
        caught.push_back(partial_error_.substr(0, line_end));
        partial_error_.erase(0, line_end + 1);
    }
    return caught;
}

}  // namespace papo::tui
