#include "line_input.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace papo::cli {
namespace {
// readline's callback interface is C: it hands finished lines to a plain function.
std::vector<std::string> finished_lines;
bool readline_eof = false;
void on_line(char* line) {
    if (!line) {
        readline_eof = true;
        return;
    }
    if (*line) add_history(line);
    finished_lines.emplace_back(line);
    std::free(line);
}

// Tab: readline asks a C function for the candidates, one at a time.
line_input::completer current_completer;
std::vector<std::string> candidates;
std::size_t next_candidate = 0;
char* candidate(const char* word, int state) {
    if (state == 0) next_candidate = 0;
    const std::string prefix(word);
    while (next_candidate < candidates.size()) {
        const std::string& c = candidates[next_candidate++];
        if (c.compare(0, prefix.size(), prefix) == 0) return strdup(c.c_str());
    }
    return nullptr;
}
char** attempt_completion(const char* word, int start, int end) {
    rl_attempted_completion_over = 1;  // never file names
    if (!current_completer) return nullptr;
    const std::string before(rl_line_buffer, static_cast<std::size_t>(start));
    const std::string typed(rl_line_buffer + start, static_cast<std::size_t>(end - start));
    try {
        candidates = current_completer(before, typed);
    } catch (const std::exception&) {
        candidates.clear();
    }
    return rl_completion_matches(word, candidate);
}
}  // namespace

void line_input::set_completer(completer complete) { current_completer = std::move(complete); }

void line_input::bell() {
    if (terminal_) std::cout << '\a' << std::flush;
}

line_input::line_input(std::string prompt) : prompt_(std::move(prompt)), terminal_(isatty(0) && isatty(1)) {
    if (terminal_) {
        rl_attempted_completion_function = attempt_completion;
        rl_callback_handler_install(prompt_.c_str(), on_line);
    }
}

line_input::~line_input() {
    if (terminal_) rl_callback_handler_remove();
}

std::vector<std::string> line_input::take_lines() {
    if (terminal_) {
        rl_callback_read_char();
        at_end_ = readline_eof;
        std::vector<std::string> lines;
        lines.swap(finished_lines);
        // Replaceable only when it is the one line right above the prompt (not a paste).
        last_typed_ = lines.size() == 1 ? lines.front() : std::string();
        return lines;
    }
    char buffer[4096];
    const ssize_t count = ::read(0, buffer, sizeof buffer);
    if (count <= 0) {
        at_end_ = true;
        std::vector<std::string> rest;
        if (!partial_.empty()) rest.push_back(partial_);
        partial_.clear();
        return rest;
    }
    partial_.append(buffer, static_cast<std::size_t>(count));
    std::vector<std::string> lines;
    for (std::size_t newline; (newline = partial_.find('\n')) != std::string::npos;) {
        lines.push_back(partial_.substr(0, newline));
        partial_.erase(0, newline + 1);
    }
    return lines;
}

void line_input::replace_last_typed(const std::string& text) {
    if (!terminal_ || last_typed_.empty()) return print_above(text);
    // The rows prompt + line took: terminal cells counted as UTF-8 characters (wide
    // characters may take two; then one row too few is cleared, never one too many).
    int rows = 0, columns = 0;
    rl_get_screen_size(&rows, &columns);
    std::size_t cells = 0;
    for (const unsigned char ch : prompt_ + last_typed_) cells += (ch & 0xC0) != 0x80;
    const std::size_t taken = columns > 0 ? (cells + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns) : 1;
    last_typed_.clear();
    char* typed = rl_copy_text(0, rl_end);
    const int point = rl_point;
    rl_set_prompt("");
    rl_replace_line("", 0);
    rl_redisplay();
    // Up over the echoed line, clear from there down, then print in its place.
    std::cout << "\r\x1b[" << std::max<std::size_t>(1, taken) << "A\x1b[J" << text << std::endl;
    rl_set_prompt(prompt_.c_str());
    rl_replace_line(typed, 0);
    rl_point = point;
    rl_redisplay();
    std::free(typed);
}

void line_input::print_above(const std::string& text) {
    last_typed_.clear();  // something now stands between it and the prompt
    if (!terminal_) {
        std::cout << text << std::endl;
        return;
    }
    // Hide the prompt and the typed text, print, then put both back as they were.
    char* typed = rl_copy_text(0, rl_end);
    const int point = rl_point;
    rl_set_prompt("");
    rl_replace_line("", 0);
    rl_redisplay();
    std::cout << text << std::endl;
    rl_set_prompt(prompt_.c_str());
    rl_replace_line(typed, 0);
    rl_point = point;
    rl_redisplay();
    std::free(typed);
}

}  // namespace papo::cli
