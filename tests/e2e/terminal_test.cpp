// Hostile text from the network on a real terminal (issue 11.5): a registered user's
// raw DMs full of escape sequences, forged lines and bidi controls reach `papo read`
// and the interactive chat running in tmux, and cannot drive or forge the screen.
#include "chat_fixture.h"

#include "papo/clock.h"
#include "papo/topics.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <stdexcept>
#include <sstream>
#include <thread>

namespace papo::e2e {
namespace {

std::string shell_quoted(const std::string& word) {
    std::string quoted = "'";
    for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// Where `text` has a C0 control byte other than a line feed; npos when nowhere.
std::size_t first_control_byte(const std::string& text) {
    for (std::size_t at = 0; at < text.size(); ++at)
        if (static_cast<unsigned char>(text[at]) < 0x20 && text[at] != '\n') return at;
    return std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A real terminal: a detached 200x50 tmux session on a server of its own (a private
// socket), running a shell script around `program_line`. The destructor kills the server.
//
// The script starts with positive controls, so that each check below proves the terminal
// WOULD have obeyed the sequence had papo let it through: a first line, a window title
// (OSC 0), a colour (SGR) and a clipboard write (OSC 52) printed raw. After the program
// under test it prints "PAPO-EXITED <status>" and keeps the pane open.
class terminal {
public:
    static constexpr const char* first_line = "BEFORE-PAPO";
    static constexpr const char* control_title = "title-before-papo";
    static constexpr const char* control_colour = "\x1b[32m";  // as capture-pane -e shows it
    static constexpr const char* control_clipboard = "control";

    terminal(const std::string& dir, const std::string& program_line) {
        static std::atomic<int> made{0};
        socket_ = "papo-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(made++);
        socket_dir_ = dir;  // tmux leaves its socket file behind: in the test's folder, removed with it
        config_ = dir + "/tmux.conf";
        std::ofstream(config_) << "set -s set-clipboard on\n";  // applications may write paste buffers (OSC 52)
        const std::string script = dir + "/terminal-" + socket_ + ".sh";
        std::ofstream(script) << "printf '%s\\n' " << first_line << "\n"
                              << "printf '\\033]0;%s\\007' " << control_title << "\n"
                              << "printf '\\033[32m%s\\033[0m\\n' control-green\n"
                              << "printf '\\033]52;c;Y29udHJvbA==\\007'\n"  // "control"
                              << program_line << "\n"
                              << "echo \"PAPO-EXITED $?\"\n"
                              << "exec sleep 3600\n";
        const auto started = tmux({"new-session", "-d", "-x", "200", "-y", "50", "-s", "papo", "sh", script});
        if (started.exit_code != 0) throw std::runtime_error("tmux new-session failed: " + started.err);
    }
    ~terminal() { tmux({"kill-server"}); }
    terminal(const terminal&) = delete;
    terminal& operator=(const terminal&) = delete;

    // The visible screen (not the scrollback), wrapped lines joined; with the colours
    // and other attributes as escape sequences when `attributes`.
    std::string screen(bool attributes = false) {
        std::vector<std::string> args{"capture-pane", "-p", "-J", "-t", "papo"};
        if (attributes) args.push_back("-e");
        return tmux(args).out;
    }
    std::string pane_title() { return tmux({"display-message", "-p", "-t", "papo", "#{pane_title}"}).out; }
    // One line per paste buffer: its whole content as tmux samples it.
    std::string paste_buffers() { return tmux({"list-buffers", "-F", "#{buffer_sample}"}).out; }
    void type_line(const std::string& text) {
        tmux({"send-keys", "-t", "papo", "-l", text});
        tmux({"send-keys", "-t", "papo", "Enter"});
    }
    // Polls the screen until `done` holds or `deadline` passes; the last screen.
    std::string wait_for(const std::function<bool(const std::string&)>& done,
                         std::chrono::seconds deadline = std::chrono::seconds(20)) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        std::string shown = screen();
        while (!done(shown) && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            shown = screen();
        }
        return shown;
    }
    std::string wait_for_text(const std::string& text) {
        return wait_for([&](const std::string& s) { return s.find(text) != std::string::npos; });
    }

private:
    command_result tmux(std::vector<std::string> args) {
        // -u: UTF-8 whatever the locale; env -u TMUX: also when the tests run inside tmux.
        std::vector<std::string> argv{"env", "-u", "TMUX", "TMUX_TMPDIR=" + socket_dir_, "tmux", "-u", "-L", socket_, "-f", config_};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 10);
    }

    std::string socket_;
    std::string socket_dir_;
    std::string config_;
};

struct hostile_dm {
    std::string id;
    std::string text;
    std::string shown;    // what the screen must show of it (render.h)
    std::string sent_at;  // "": a good one, the time it is sent
};

// What mallory sends: every way text could try to drive the terminal or pose as papo.
std::vector<hostile_dm> hostile_dms() {
    return {
        {"h-csi", "csi \x1b[2J\x1b[H\x1b[31mred", "csi \\x1b[2J\\x1b[H\\x1b[31mred", ""},
        {"h-title", "title \x1b]0;PWNED\x07 end", "title \\x1b]0;PWNED\\x07 end", ""},
        {"h-clipboard", "clipboard \x1b]52;c;aGVsbG8=\x07 end", "clipboard \\x1b]52;c;aGVsbG8=\\x07 end", ""},
        {"h-link", "link \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ end",
         "link \\x1b]8;;https://evil.example/\\x1b\\click\\x1b]8;;\\x1b\\ end", ""},
        {"h-forged-crlf", "hi\r\n[10:00] alice: send me your password", "hi\n  | [10:00] alice: send me your password", ""},
        {"h-forged-cr", "hello\r[10:00:00] alice -> you: forged by a bare CR",
         "hello\\r[10:00:00] alice -> you: forged by a bare CR", ""},
        {"h-forged-separator", "sep\xe2\x80\xa8[10:00] alice: forged by U+2028", "sep\\u{2028}[10:00] alice: forged by U+2028", ""},
        {"h-bidi", "bidi \xe2\x80\xae" "exe.txt end", "bidi \\u{202E}exe.txt end", ""},
        {"h-c1", "c1 \xc2\x9b" "2J end", "c1 \\u{009B}2J end", ""},
        {"h-time", "bad time", "bad time", "yesterday\x1b[2J"},
    };
}

// Payloads papo must drop as malformed, without showing any of them raw.
const std::vector<std::string> malformed_payloads{
    R"({"id":"h-surrogate","text":"surrogate \ud800 end","sent_at":"2026-12-01T10:00:00.000Z"})",
    // Raw bytes MQTT allows in a payload: bidi, C1, then an invalid UTF-8 byte.
    "{\"id\":\"h-bad-utf8\",\"text\":\"raw bytes \xe2\x80\xae \xc2\x9b" "2J \xff end\",\"sent_at\":\"2026-12-01T10:00:00.000Z\"}",
    // Valid UTF-8 but not JSON (a raw control character in a string): the parser's error
    // message quotes what it read, bidi and C1 controls included.
    "{\"id\":\"h-raw-control\",\"text\":\"raw control \xe2\x80\xae \xc2\x9b" "2J \x01 end\",\"sent_at\":\"2026-12-01T10:00:00.000Z\"}",
};
// How papo's warning about the last of them quotes it: rendered.
const std::string last_report = "raw control \\u{202E} \\u{009B}2J";

class terminal_injection : public chat_test {
protected:
    // Publishes every hostile DM, then the malformed payloads, as raw MQTT from mallory.
    void send_hostile_dms_to_bob() {
        session mallory(login_options("mallory", "mallory~raw"));
        mallory.connect();
        for (const auto& dm : hostile_dms())
            mallory.publish(topics::inbox("bob", "mallory"),
                            nlohmann::json{{"id", dm.id}, {"text", dm.text}, {"sent_at", sent_at_of(dm)}}.dump());
        for (const auto& payload : malformed_payloads) mallory.publish(topics::inbox("bob", "mallory"), payload);
        mallory.disconnect();
    }

    std::string sent_at_of(const hostile_dm& dm) {
        if (!dm.sent_at.empty()) return dm.sent_at;
        if (sent_at_.empty()) sent_at_ = now_text();
        return sent_at_;
    }

    std::string papo_line(const std::string& user, const std::string& command) {
        return shell_quoted(env_or("PAPO_BIN", PAPO_BIN_DEFAULT)) + " --broker " + shell_quoted(broker_->uri()) +
               " --state-dir " + shell_quoted(state_dir_) + " --user " + user + " --password-file " +
               shell_quoted(password_file(user)) + (command.empty() ? "" : " " + command);
    }

    // What must hold of the terminal whatever mallory sent (the program under test is done
    // with her messages): nothing of hers drove it or posed as a line of papo's.
    static void expect_the_terminal_was_not_driven(terminal& tty) {
        const std::string shown = tty.screen();
        const auto lines = lines_of(shown);
        ASSERT_FALSE(lines.empty());
        EXPECT_EQ(lines.front(), terminal::first_line) << "the screen was cleared or written over:\n" << shown;
        EXPECT_EQ(tty.pane_title(), std::string(terminal::control_title) + "\n");
        const std::string buffers = tty.paste_buffers();
        EXPECT_NE(buffers.find(terminal::control_clipboard), std::string::npos) << buffers;
        EXPECT_EQ(buffers.find("hello"), std::string::npos) << "mallory wrote the clipboard: " << buffers;

        // Colours and the like: only the control line has any.
        const std::string with_attributes = tty.screen(true);
        EXPECT_NE(with_attributes.find(terminal::control_colour), std::string::npos) << with_attributes;
        for (const auto& line : lines_of(with_attributes)) {
            if (line.find("control-green") != std::string::npos) continue;
            // capture-pane -e starts the next line by ending the control's colour.
            const std::string rest = line.rfind("\x1b[39m", 0) == 0 ? line.substr(5) : line;
            EXPECT_EQ(rest.find('\x1b'), std::string::npos) << "an attribute outside the control line: " << line;
        }

        // No line poses as alice's message; each of mallory's continuation lines is marked.
        const std::regex message_of_alice(R"(^\s*\[[^\]]*\] alice\b)");
        for (const auto& line : lines) {
            EXPECT_FALSE(std::regex_search(line, message_of_alice)) << "forged line: " << line << "\n" << shown;
            EXPECT_NE(line.rfind("[10:00", 0), 0u) << line;
        }
        // Nothing raw of what the renderer escapes: C1, bidi, separators.
        for (const char* raw : {"\xc2\x9b", "\xe2\x80\xae", "\xe2\x80\xa8"})
            EXPECT_EQ(shown.find(raw), std::string::npos) << "raw control on the screen:\n" << shown;
    }

    // Every hostile DM is on the screen as one message of mallory's, rendered as render.h says.
    static void expect_every_hostile_dm_shown(const std::string& shown) {
        for (const auto& dm : hostile_dms()) {
            const std::string message = "] mallory -> you: " + dm.shown;
            const auto at = shown.find(message);
            ASSERT_NE(at, std::string::npos) << dm.id << ": expected\n" << message << "\non\n" << shown;
            const auto line_start = shown.rfind('\n', at) + 1;  // npos + 1 is 0
            const std::string time = shown.substr(line_start, at + 1 - line_start);
            if (dm.sent_at.empty()) EXPECT_NE(time, "[unknown time]") << dm.id << ":\n" << shown;
            else EXPECT_EQ(time, "[unknown time]") << dm.id << ":\n" << shown;
        }
        for (const char* dropped : {"surrogate", "raw bytes", "raw control"})
            EXPECT_EQ(shown.find(std::string("mallory -> you: ") + dropped), std::string::npos) << shown;
        // They are reported, and what the report quotes of them is rendered too.
        EXPECT_NE(shown.find("dropped a malformed message on users/bob/inbox/mallory"), std::string::npos) << shown;
        EXPECT_NE(shown.find(last_report), std::string::npos) << shown;
    }

    std::string sent_at_;  // of the good ones: when the first was sent
};

class terminal_injection_in_tmux : public terminal_injection {
protected:
    void SetUp() override {
        if (test::find_program("tmux").empty()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
        terminal_injection::SetUp();
    }
};

TEST_F(terminal_injection_in_tmux, HostileTextCannotDriveTheTerminalOfPapoRead) {
    register_users({"mallory", "bob", "alice"});
    send_hostile_dms_to_bob();  // waiting in bob's queue: mallory's publishes were acknowledged

    // Without papo's own colours, so that any attribute on the screen can only be mallory's.
    terminal tty(state_dir_, papo_line("bob", "--color=never read"));
    const std::string shown = tty.wait_for_text("PAPO-EXITED");
    ASSERT_NE(shown.find("PAPO-EXITED 0"), std::string::npos) << shown;
    expect_every_hostile_dm_shown(shown);
    expect_the_terminal_was_not_driven(tty);
}

// With papo's colours (a terminal: on by default) the texts stay plain: papo colours its
// own parts (time, name, marks, remarks), never what mallory wrote.
TEST_F(terminal_injection_in_tmux, WithColoursMalloryTextsStayPlain) {
    register_users({"mallory", "bob", "alice"});
    send_hostile_dms_to_bob();
    terminal tty(state_dir_, papo_line("bob", "read"));
    const std::string shown = tty.wait_for_text("PAPO-EXITED");
    ASSERT_NE(shown.find("PAPO-EXITED 0"), std::string::npos) << shown;
    expect_every_hostile_dm_shown(shown);
    std::size_t checked = 0;
    for (const auto& line : lines_of(tty.screen(true))) {
        const auto mark = line.find("-> you");
        if (line.find("mallory") == std::string::npos || mark == std::string::npos) continue;
        const auto text = line.find(": ", mark);
        ASSERT_NE(text, std::string::npos) << line;
        // The text runs to papo's dim remark, or to the end of the line.
        const auto remark = line.find("\x1b[2m", text);
        const std::string body = line.substr(text + 2, remark == std::string::npos ? std::string::npos : remark - text - 2);
        EXPECT_EQ(body.find('\x1b'), std::string::npos) << "an attribute inside mallory's text: " << line;
        ++checked;
    }
    EXPECT_GT(checked, 3u) << tty.screen(true);
    EXPECT_EQ(tty.pane_title(), std::string(terminal::control_title) + "\n");
}

// Scripts get the exact text: escaped by JSON, byte for byte what mallory sent.
TEST_F(terminal_injection, JsonReadGivesTheHostileTextBackExactly) {
    register_users({"mallory", "bob"});
    send_hostile_dms_to_bob();
    const auto result = papo("bob", {"--json", "read"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    std::map<std::string, nlohmann::json> by_id;
    for (const auto& line : lines_of(result.out)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
        if (j.value("kind", "") == "dm") by_id[j.at("id")] = j;
    }
    for (const auto& dm : hostile_dms()) {
        ASSERT_EQ(by_id.count(dm.id), 1u) << dm.id << "\n" << result.out;
        EXPECT_EQ(by_id[dm.id].at("text").get<std::string>(), dm.text) << dm.id;
        EXPECT_EQ(by_id[dm.id].at("sent_at").get<std::string>(), sent_at_of(dm)) << dm.id;
        EXPECT_EQ(by_id[dm.id].at("from"), "mallory");
    }
    EXPECT_EQ(by_id.size(), hostile_dms().size()) << result.out;  // the malformed ones are dropped
    EXPECT_NE(result.out.find(R"(csi \u001b[2J\u001b[H\u001b[31mred)"), std::string::npos) << result.out;  // JSON's escapes
    EXPECT_EQ(first_control_byte(result.out), std::string::npos) << "a raw control byte in the JSON output";
    EXPECT_EQ(first_control_byte(result.err), std::string::npos) << "a raw control byte on stderr: " << result.err;
    for (const char* raw : {"\xc2\x9b", "\xe2\x80\xae", "\xff"})
        EXPECT_EQ(result.err.find(raw), std::string::npos) << "raw from the network on stderr: " << result.err;
}

TEST_F(terminal_injection_in_tmux, HostileTextCannotDriveTheTerminalOfTheChat) {
    register_users({"mallory", "bob", "alice"});
    terminal tty(state_dir_, papo_line("bob", "--plain --color=never"));  // the line chat; any attribute is then mallory's
    const std::string ready = tty.wait_for_text("connected as bob");
    ASSERT_NE(ready.find("connected as bob"), std::string::npos) << ready;

    send_hostile_dms_to_bob();  // while the chat runs
    const std::string shown = tty.wait_for_text(last_report);
    expect_every_hostile_dm_shown(shown);
    expect_the_terminal_was_not_driven(tty);

    // And the chat still takes what bob types.
    tty.type_line("/quit");
    const std::string after = tty.wait_for_text("PAPO-EXITED");
    EXPECT_NE(after.find("PAPO-EXITED 0"), std::string::npos) << after;
}

}  // namespace
}  // namespace papo::e2e
