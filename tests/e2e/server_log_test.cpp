// papo-server's log quotes what users publish (the parser's excerpt of a malformed payload,
// a response topic it refused) and operators read it in a terminal (issue 11, terminal
// injection): nothing a user publishes may drive that terminal or forge a log line.
#include "chat_fixture.h"

#include "papo/render.h"
#include "papo/topics.h"

#include <chrono>
#include <sstream>
#include <thread>

namespace papo::e2e {
namespace {

class server_log : public chat_test {
protected:
    // papo-server's output once it holds every one of `needles` (bounded: 10 s).
    std::string output_with(const std::vector<std::string>& needles) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::string output;
        for (;;) {
            output = server_->output();
            bool all = true;
            for (const auto& needle : needles) all = all && output.find(needle) != std::string::npos;
            if (all || std::chrono::steady_clock::now() >= deadline) return output;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
};

const std::string clear_screen = "\x1b[2J";
const std::string window_title = "\x1b]0;owned\x07";
const std::string bidi_override = "\xe2\x80\xae";  // U+202E
const std::string c1_csi = "\xc2\x9b";             // U+009B
const std::string del = "\x7f";
const std::string forged_line = "\r\n2026-12-01T00:00:00.000Z info forged line";

TEST_F(server_log, WhatUsersPublishCannotDriveTheOperatorsTerminalOrForgeALogLine) {
    register_users({"mallory", "bob"});
    session mallory(login_options("mallory", "mallory~log"));
    mallory.connect();
    // papo-server quotes nlohmann's excerpt of the bad token ("last read: '...'"), which
    // ends at the first C0 control (shown as <U+001B>): bidi, C1 and DEL come before it.
    const std::string hostile = bidi_override + "x" + c1_csi + "2J" + del + clear_screen + window_title + forged_line;
    mallory.publish(topics::inbox("bob", "mallory"), "{\"id\":\"" + hostile);
    // A malformed request whose response topic is not mallory's: papo-server refuses it
    // unread and quotes the topic. The broker drops a client whose topic holds C0 or C1
    // controls or DEL, but lets bidi controls through.
    publish_options elsewhere;
    elsewhere.response_topic = "users/bob/inbox/" + bidi_override + "evil";
    elsewhere.correlation_data = "x";
    mallory.publish(topics::request("mallory"), "{\"command\":" + hostile, elsewhere);

    const auto output = output_with({"ignored malformed message on users/bob/inbox/mallory",
                                     "refused a request from mallory"});
    ASSERT_NE(output.find("ignored malformed message on users/bob/inbox/mallory"), std::string::npos) << safe_multiline(output);
    ASSERT_NE(output.find("refused a request from mallory"), std::string::npos) << safe_multiline(output);

    for (const auto& raw : {std::string("\x1b"), std::string("\x07"), std::string("\r"), bidi_override, c1_csi, del})
        EXPECT_EQ(output.find(raw), std::string::npos) << "raw bytes in papo-server's log:\n" << safe_multiline(output);
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);)
        EXPECT_NE(line.rfind("2026-12-01T00:00:00.000Z", 0), 0u) << "a forged log line: " << safe_text(line);
    // Shown as escapes, so the operator sees what was sent.
    EXPECT_NE(output.find("'\"\\u{202E}x\\u{009B}2J\\x7f"), std::string::npos) << safe_multiline(output);
    EXPECT_NE(output.find("users/bob/inbox/\\u{202E}evil"), std::string::npos) << safe_multiline(output);
    // And papo-server still serves.
    EXPECT_EQ(admin({"users", "ls"}).exit_code, 0);
}

}  // namespace
}  // namespace papo::e2e
