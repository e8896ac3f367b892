#pragma once
// A real terminal for a program that prompts (passwords are asked only at a terminal):
// a detached tmux session on a private server, running `command_line` under sh and then
// printing "EXITED <status>". The destructor kills the tmux server.
#include "chat_fixture.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace papo::e2e {

inline std::string shell_word(const std::string& word) {
    std::string quoted = "'";
    for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

inline std::string shell_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& word : argv) line += (line.empty() ? "" : " ") + shell_word(word);
    return line;
}

class tmux_pane {
public:
    static bool available() { return !test::find_program("tmux").empty(); }

    // `dir`: a folder of the test's (tmux's socket and the script go there).
    tmux_pane(const std::string& dir, const std::string& command_line) : dir_(dir) {
        static std::atomic<int> made{0};
        socket_ = "papo-pane-" + std::to_string(::getpid()) + "-" + std::to_string(made++);
        const std::string script = dir + "/" + socket_ + ".sh";
        std::ofstream(script) << command_line << "\necho \"EXITED $?\"\nexec sleep 3600\n";
        const auto started = tmux({"new-session", "-d", "-x", "200", "-y", "50", "-s", "pane", "sh", script});
        if (started.exit_code != 0) throw std::runtime_error("tmux new-session failed: " + started.err);
    }
    ~tmux_pane() { tmux({"kill-server"}); }
    tmux_pane(const tmux_pane&) = delete;
    tmux_pane& operator=(const tmux_pane&) = delete;

    // The screen and its scrollback, wrapped lines joined.
    std::string screen() { return tmux({"capture-pane", "-p", "-J", "-S", "-", "-t", "pane"}).out; }
    // The same with the terminal's colours, as escape sequences (capture-pane -e).
    std::string screen_with_colours() { return tmux({"capture-pane", "-p", "-e", "-J", "-S", "-", "-t", "pane"}).out; }
    void type_line(const std::string& text) {
        tmux({"send-keys", "-t", "pane", "-l", text});
        tmux({"send-keys", "-t", "pane", "Enter"});
    }
    // Text typed as it is (no key names), and keys by tmux's names ("Enter", "M-1", "C-n", "PPage").
    void type(const std::string& text) { tmux({"send-keys", "-t", "pane", "-l", text}); }
    void keys(const std::vector<std::string>& names) {
        std::vector<std::string> args{"send-keys", "-t", "pane"};
        args.insert(args.end(), names.begin(), names.end());
        tmux(args);
    }
    // The screen as it is now, without scrollback: what a full-screen program shows.
    std::string visible() { return tmux({"capture-pane", "-p", "-t", "pane"}).out; }
    std::string visible_with_colours() { return tmux({"capture-pane", "-p", "-e", "-t", "pane"}).out; }
    void resize(int width, int height) {
        tmux({"resize-window", "-t", "pane", "-x", std::to_string(width), "-y", std::to_string(height)});
    }
    std::string pane_title() { return tmux({"display-message", "-p", "-t", "pane", "#{pane_title}"}).out; }
    // Polls the visible screen until `done` holds or `deadline` passes; the last one.
    std::string wait_for_visible(const std::function<bool(const std::string&)>& done,
                                 std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::string shown;
        test::wait_until([&] { return done(shown = visible()); }, deadline, std::chrono::milliseconds(50));
        return shown;
    }
    // Polls the screen until `done` holds or `deadline` passes; the last screen.
    std::string wait_for(const std::function<bool(const std::string&)>& done,
                         std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        std::string shown;
        test::wait_until([&] { return done(shown = screen()); }, deadline, std::chrono::milliseconds(50));
        return shown;
    }
    // Until `text` is on the screen `times` times (a prompt asked again).
    std::string wait_for_text(const std::string& text, int times = 1) {
        return wait_for([&](const std::string& s) { return count(s, text) >= times; });
    }
    // A tmux format of the pane's window ("#{window_bell_flag}": 1 once a bell rang in it;
    // the session is never attached, so every bell counts).
    std::string format(const std::string& f) {
        auto out = tmux({"display-message", "-p", "-t", "pane", f}).out;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        return out;
    }
    static int count(const std::string& in, const std::string& text) {
        int n = 0;
        for (auto at = in.find(text); at != std::string::npos; at = in.find(text, at + text.size())) ++n;
        return n;
    }

private:
    command_result tmux(std::vector<std::string> args) {
        // -u: UTF-8 whatever the locale; env -u TMUX: also when the tests run inside tmux.
        std::vector<std::string> argv{"env", "-u", "TMUX", "TMUX_TMPDIR=" + dir_, "tmux", "-u", "-L", socket_, "-f", "/dev/null"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 10);
    }

    std::string dir_;
    std::string socket_;
};

}  // namespace papo::e2e
