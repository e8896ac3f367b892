// Colour for people (issue 14, item 5): on a terminal papo colours sender names, DMs,
// topics, its own lines and the delivered marks; never when piped, with --json, with
// NO_COLOR, or with --color=never; --color=always forces it. In the chat a message you
// send takes the place of the line you typed: it shows once.
#include "tmux_pane.h"

namespace papo::e2e {
namespace {

constexpr const char* escape = "\x1b[";

class colour : public chat_test {
protected:
    void SetUp() override {
        chat_test::SetUp();
        if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
    }
    std::vector<std::string> papo_argv(const std::string& user, std::vector<std::string> rest) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                      "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return argv;
    }
    // `papo read` of bob at a terminal, with `environment` (VAR=value words) before it.
    std::string read_at_a_terminal(const std::vector<std::string>& environment, std::vector<std::string> options = {}) {
        options.push_back("read");
        std::vector<std::string> argv{"env"};
        argv.insert(argv.end(), environment.begin(), environment.end());
        for (auto& word : papo_argv("bob", options)) argv.push_back(word);
        tmux_pane pane(state_dir_, shell_line(argv));
        pane.wait_for_text("EXITED 0");
        return pane.screen_with_colours();
    }
};

TEST_F(colour, OnATerminalNamesAndMarksAreColouredAndNotWhenPipedOrAsked) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "first"}).exit_code, 0);
    const std::string coloured = read_at_a_terminal({"TERM=xterm"});
    EXPECT_NE(coloured.find("first"), std::string::npos) << coloured;
    EXPECT_NE(coloured.find(escape), std::string::npos) << coloured;
    EXPECT_NE(coloured.find("alice"), std::string::npos) << coloured;

    for (int round = 0; round < 2; ++round) {
        ASSERT_EQ(papo("alice", {"send", "bob", "plain " + std::to_string(round)}).exit_code, 0);
        const std::string plain = round == 0 ? read_at_a_terminal({"TERM=xterm", "NO_COLOR=1"})
                                             : read_at_a_terminal({"TERM=xterm"}, {"--color=never"});
        EXPECT_NE(plain.find("plain " + std::to_string(round)), std::string::npos) << plain;
        EXPECT_EQ(plain.find(escape), std::string::npos) << plain;
    }

    // Piped: none by default (as every test's `papo` runs), all with --color=always, none with --json.
    ASSERT_EQ(papo("alice", {"send", "bob", "piped"}).exit_code, 0);
    const auto piped = papo("bob", {"--color=always", "read"});
    ASSERT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_NE(piped.out.find(std::string(escape) + "1malice"), std::string::npos) << piped.out;
    ASSERT_EQ(papo("alice", {"send", "bob", "again"}).exit_code, 0);
    const auto json = papo("bob", {"--color=always", "--json", "read"});
    EXPECT_EQ(json.out.find(escape), std::string::npos) << json.out;
    EXPECT_EQ(messages_in(json.out).size(), 1u);
    const auto by_default = papo("alice", {"read"});  // alice's delivered marks, piped
    EXPECT_EQ(by_default.out.find(escape), std::string::npos) << by_default.out;
    EXPECT_NE(by_default.out.find("bob has your message"), std::string::npos) << by_default.out;
}

TEST_F(colour, AColourNotOfTheThreeIsAUsageErrorBeforeAnyPrompt) {
    const auto wrong = run_command({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--user", "alice", "--color=sometimes", "who"}, 10);
    EXPECT_EQ(wrong.exit_code, 2);
    EXPECT_NE(wrong.err.find("--color must be auto, always or never"), std::string::npos) << wrong.err;
}

TEST_F(colour, InTheChatAMessageYouSendShowsOnceInPlaceOfWhatYouTyped) {
    register_users({"alice", "bob"});
    tmux_pane pane(state_dir_, shell_line(papo_argv("alice", {"--plain"})));  // the line chat (the screen: screen_test.cpp)
    pane.wait_for_text("connected as alice");
    pane.type_line("/msg bob hello there");
    const std::string screen = pane.wait_for_text("you -> bob: hello there");
    EXPECT_NE(screen.find("you -> bob: hello there"), std::string::npos) << screen;
    EXPECT_EQ(screen.find("alice> /msg bob hello there"), std::string::npos) << screen;
    pane.type_line("/who");  // a command stays on the screen above what it prints
    EXPECT_NE(pane.wait_for_text("alice> /who").find("alice> /who"), std::string::npos);
    pane.type_line("/quit");
    pane.wait_for_text("EXITED 0");
}

}  // namespace
}  // namespace papo::e2e
