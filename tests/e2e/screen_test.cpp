// The full-screen chat (issue 15, items 1 and 5): the real papo in tmux against a real
// broker and papo-server. Keys are sent with send-keys, the screen read back with
// capture-pane; every wait is for something on the screen, with a generous deadline.
#include "tmux_pane.h"

#include "papo/clock.h"
#include "papo/topics.h"

#include <clocale>
#include <cwchar>
#include <regex>
#include <sstream>

namespace papo::e2e {
namespace {

std::vector<std::string> rows_of(const std::string& screen) {
    std::vector<std::string> rows;
    std::istringstream in(screen);
    for (std::string row; std::getline(in, row);) rows.push_back(row);
    return rows;
}

bool has(const std::string& screen, const std::string& text) { return screen.find(text) != std::string::npos; }

// The row of the screen holding `text`, or "".
std::string row_with(const std::string& screen, const std::string& text) {
    for (const auto& row : rows_of(screen))
        if (has(row, text)) return row;
    return "";
}

// Terminal columns of a UTF-8 row, as a UTF-8 terminal counts them (wcwidth).
int columns_of(const std::string& row) {
    std::setlocale(LC_CTYPE, "C.UTF-8");
    std::mbstate_t state{};
    int columns = 0;
    const char* at = row.c_str();
    const char* end = at + row.size();
    while (at < end) {
        wchar_t c = 0;
        const std::size_t length = std::mbrtowc(&c, at, static_cast<std::size_t>(end - at), &state);
        if (length == 0 || length > static_cast<std::size_t>(end - at)) return -1;
        const int w = ::wcwidth(c);
        columns += w < 0 ? 1 : w;
        at += length;
    }
    return columns;
}

// The column (in cells) where the sidebar's '|' stands on `row`; -1 when none.
int separator_column(const std::string& row) {
    const auto at = row.find('|');
    return at == std::string::npos ? -1 : columns_of(row.substr(0, at));
}

class screen_chat : public chat_test {
protected:
    void SetUp() override {
        chat_test::SetUp();
        if (!tmux_pane::available()) GTEST_SKIP() << "tmux is not installed (scripts/install-deps.sh installs it)";
    }
    std::vector<std::string> papo_argv(const std::string& user, std::vector<std::string> rest = {}) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                      "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), rest.begin(), rest.end());
        return argv;
    }
    // `user`'s papo in a 200x50 tmux pane, once its status line says it is online.
    std::unique_ptr<tmux_pane> open_screen(const std::string& user, std::vector<std::string> rest = {}) {
        auto pane = std::make_unique<tmux_pane>(state_dir_, shell_line(papo_argv(user, std::move(rest))));
        const std::string shown = pane->wait_for_visible([&](const std::string& s) {
            const auto rows = rows_of(s);
            return !rows.empty() && has(rows[0], " papo  " + user + " @ ") && has(rows[0], "online") && has(s, "connected as " + user);
        });
        EXPECT_TRUE(has(shown, "connected as " + user)) << shown;
        return pane;
    }
    static std::string wait_visible(tmux_pane& pane, const std::string& text, std::chrono::seconds deadline = std::chrono::seconds(20)) {
        return pane.wait_for_visible([&](const std::string& s) { return has(s, text); }, deadline);
    }
    // Until `user`'s queue holds nothing: the screen has shown and confirmed all of it.
    static std::string last_row(const std::string& screen) {
        auto rows = rows_of(screen);
        while (!rows.empty() && rows.back().empty()) rows.pop_back();
        return rows.empty() ? "" : rows.back();
    }
    // Quits with /quit and expects exit status 0.
    static void quit(tmux_pane& pane) {
        pane.type_line("/quit");
        const std::string after = pane.wait_for_text("EXITED");
        EXPECT_TRUE(has(after, "EXITED 0")) << after;
    }
    // Raw DMs from `from` to `to`, as a device would publish them (no outbox, no numbers).
    void raw_dms(const std::string& from, const std::string& to, const std::vector<std::string>& texts) {
        session raw(login_options(from, from + "~raw"));
        raw.connect();
        int n = 0;
        for (const auto& text : texts)
            raw.publish(topics::inbox(to, from),
                        nlohmann::json{{"id", "raw-" + std::to_string(n++) + "-" + random_hex(8)}, {"text", text}, {"sent_at", now_text()}}.dump());
        raw.disconnect();
    }
};

TEST_F(screen_chat, SwitchingByKeyClearsUnreadCountsAndPlainLinesGoToTheOpenConversation) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    auto pane = open_screen("alice");
    // The sidebar: DMs by name, then topics; #lobby, the only topic, is open.
    std::string shown = pane->visible();
    EXPECT_TRUE(has(last_row(shown), "#lobby>")) << shown;

    ASSERT_EQ(papo("bob", {"send", "alice", "first from bob"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "second from bob"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"send", "alice", "one from carol"}).exit_code, 0);
    const std::regex bob_two(R"(1 .bob +2 +\|)"), carol_one(R"(2 .carol +1 +\|)");
    shown = pane->wait_for_visible([&](const std::string& s) { return std::regex_search(s, bob_two) && std::regex_search(s, carol_one); });
    ASSERT_TRUE(std::regex_search(shown, bob_two)) << shown;
    ASSERT_TRUE(std::regex_search(shown, carol_one)) << shown;
    EXPECT_FALSE(has(shown, "first from bob")) << "bob's DMs are not in the open conversation:\n" << shown;

    pane->keys({"M-1"});  // Alt-1: bob
    shown = wait_visible(*pane, "second from bob");
    EXPECT_TRUE(has(shown, "bob: first from bob")) << shown;
    EXPECT_TRUE(has(last_row(shown), "bob>")) << shown;
    EXPECT_FALSE(std::regex_search(shown, bob_two)) << "read now:\n" << shown;
    EXPECT_TRUE(std::regex_search(shown, carol_one)) << shown;

    pane->keys({"C-n"});  // the next: carol
    shown = wait_visible(*pane, "carol: one from carol");
    EXPECT_TRUE(has(last_row(shown), "carol>")) << shown;
    EXPECT_FALSE(std::regex_search(shown, carol_one)) << shown;
    pane->keys({"C-n"});  // then #lobby
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "#lobby>"); });
    EXPECT_TRUE(has(last_row(shown), "#lobby>")) << shown;
    pane->keys({"C-p"});
    pane->keys({"C-p"});  // back to bob
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    ASSERT_TRUE(has(last_row(shown), "bob>")) << shown;

    pane->type_line("hello bob from the screen");
    shown = wait_visible(*pane, "you: hello bob from the screen");
    EXPECT_TRUE(has(shown, "you: hello bob from the screen")) << shown;
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "hello bob from the screen");
    // bob's receipt comes back: the delivered mark appears on the line.
    shown = wait_visible(*pane, "you: hello bob from the screen \u2713", std::chrono::seconds(30));
    EXPECT_TRUE(has(shown, "you: hello bob from the screen \u2713")) << shown;
    quit(*pane);
}

TEST_F(screen_chat, AMessageArrivingWhileTypingLeavesTheTypedTextIntact) {
    register_users({"alice", "bob"});
    auto pane = open_screen("alice");
    pane->type_line("/query bob");
    std::string shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    ASSERT_TRUE(has(last_row(shown), "bob>")) << shown;
    pane->type("half of what I ty");
    pane->keys({"Left", "Left"});  // the cursor moves; the text stays
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob> half of what I ty"); });
    ASSERT_TRUE(has(last_row(shown), "bob> half of what I ty")) << shown;
    ASSERT_EQ(papo("bob", {"send", "alice", "interrupting you"}).exit_code, 0);
    shown = wait_visible(*pane, "bob: interrupting you");
    ASSERT_TRUE(has(shown, "bob: interrupting you")) << shown;
    EXPECT_TRUE(has(last_row(shown), "bob> half of what I ty")) << shown;
    pane->keys({"End"});
    pane->type("pe");
    pane->keys({"Enter"});
    shown = wait_visible(*pane, "you: half of what I type");
    EXPECT_TRUE(has(shown, "you: half of what I type")) << shown;
    EXPECT_EQ(last_row(shown), "bob>") << shown;
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "half of what I type");
    // Up brings back what was sent here.
    pane->keys({"Up"});
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob> half of what I type"); });
    EXPECT_TRUE(has(last_row(shown), "bob> half of what I type")) << shown;
    pane->keys({"C-u"});
    quit(*pane);
}

TEST_F(screen_chat, PageUpAndPageDownScrollThroughTheConversation) {
    register_users({"alice", "bob"});
    auto pane = open_screen("alice");
    pane->type_line("/query bob");
    pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    std::vector<std::string> texts;
    for (int k = 1; k <= 120; ++k) texts.push_back("numbered line " + std::to_string(1000 + k));
    raw_dms("bob", "alice", texts);
    std::string shown = wait_visible(*pane, "numbered line 1120");
    ASSERT_TRUE(has(shown, "numbered line 1120")) << shown;
    EXPECT_FALSE(has(shown, "numbered line 1001")) << shown;
    pane->keys({"PPage"});
    shown = wait_visible(*pane, "scrolled back");
    EXPECT_FALSE(has(shown, "numbered line 1120")) << shown;
    EXPECT_TRUE(has(shown, "numbered line 1060")) << shown;
    pane->keys({"PPage", "PPage", "PPage"});  // past the start: it stops at the first
    shown = wait_visible(*pane, "numbered line 1001");
    EXPECT_TRUE(has(shown, "numbered line 1001")) << shown;
    pane->keys({"NPage", "NPage", "NPage", "NPage"});
    shown = pane->wait_for_visible([](const std::string& s) { return has(s, "numbered line 1120") && !has(s, "scrolled back"); });
    EXPECT_TRUE(has(shown, "numbered line 1120")) << shown;
    EXPECT_FALSE(has(shown, "scrolled back")) << shown;
    quit(*pane);
}

TEST_F(screen_chat, AResizedTerminalIsLaidOutAgain) {
    register_users({"alice", "bob"});
    auto pane = open_screen("alice");
    pane->type_line("/query bob");
    pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    ASSERT_EQ(papo("bob", {"send", "alice", "a message long enough to wrap once the terminal is narrow, so that it must be laid out again: end-of-it"}).exit_code, 0);
    std::string shown = wait_visible(*pane, "end-of-it");
    for (const auto& [width, height] : {std::pair{80, 24}, std::pair{44, 12}, std::pair{120, 40}}) {
        pane->resize(width, height);
        shown = pane->wait_for_visible([&, w = width, h = height](const std::string& s) {
            const auto rows = rows_of(s);
            return static_cast<int>(rows.size()) == h && columns_of(rows[static_cast<std::size_t>(h - 2)]) == w && has(s, "end-of-it") &&
                   has(last_row(s), "bob>");
        });
        const auto rows = rows_of(shown);
        ASSERT_EQ(static_cast<int>(rows.size()), height) << shown;
        // The rule above the input line spans the new width (capture-pane drops trailing spaces).
        EXPECT_EQ(columns_of(rows[static_cast<std::size_t>(height - 2)]), width) << shown;
        EXPECT_TRUE(has(rows[0], "alice @")) << shown;
        for (const auto& row : rows) EXPECT_LE(columns_of(row), width) << row;
        EXPECT_TRUE(has(shown, "end-of-it")) << shown;
        EXPECT_TRUE(has(last_row(shown), "bob>")) << shown;
    }
    quit(*pane);
}

TEST_F(screen_chat, WideCharactersAreMeasuredAsTheTerminalShowsThem) {
    register_users({"alice", "bob", "太郎"});
    auto pane = open_screen("alice");
    pane->resize(70, 30);
    ASSERT_EQ(papo("太郎", {"send", "alice", "日本語のテキストは二つの列を取ります、絵文字も 😀😀😀 そして最後まで続く長い文です。終"}).exit_code, 0);
    std::string shown = pane->wait_for_visible([](const std::string& s) { return has(s, "太郎") && has(s, " 1 "); });
    pane->type_line("/query 太郎");
    shown = wait_visible(*pane, "終");
    ASSERT_TRUE(has(shown, "終")) << shown;
    // The sidebar's edge stands in one column on every row, the wide name's row too, and
    // no row is wider than the terminal.
    int edge = -1;
    std::string joined;
    for (const auto& row : rows_of(shown)) {
        EXPECT_LE(columns_of(row), 70) << row;
        const int column = separator_column(row);
        if (column < 0) continue;
        if (edge < 0) edge = column;
        EXPECT_EQ(column, edge) << row << "\n" << shown;
        if (row.size() > row.find('|') + 2) joined += row.substr(row.find('|') + 2);
    }
    EXPECT_GT(edge, 0) << shown;
    EXPECT_TRUE(has(row_with(shown, "太郎  "), "|")) << shown;
    // The wrapped rows hold the whole text, no character lost or cut in two.
    for (const char* part : {"日本語のテキスト", "😀😀😀", "終"}) EXPECT_TRUE(has(joined, part)) << part << "\n" << shown;
    quit(*pane);
}

TEST_F(screen_chat, HostileTextCannotDriveTheScreen) {
    register_users({"mallory", "bob"});
    auto pane = open_screen("bob");
    pane->type_line("/query mallory");
    pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "mallory>"); });
    const std::string title_before = pane->pane_title();
    raw_dms("mallory", "bob",
            {"csi \x1b[2J\x1b[H\x1b[31mred", "title \x1b]0;PWNED\x07 end", "clipboard \x1b]52;c;aGVsbG8=\x07 end",
             "forged\r\n[10:00] alice: send me your password", "bidi \xe2\x80\xae" "exe.txt end", "c1 \xc2\x9b" "2J end",
             "last hostile one"});
    const std::string shown = wait_visible(*pane, "last hostile one");
    ASSERT_TRUE(has(shown, "last hostile one")) << shown;
    for (const char* escaped : {"csi \\x1b[2J\\x1b[H\\x1b[31mred", "title \\x1b]0;PWNED\\x07 end", "clipboard \\x1b]52;c;aGVsbG8=\\x07 end",
                                "bidi \\u{202E}exe.txt end", "c1 \\u{009B}2J end", "  | [10:00] alice: send me your password"})
        EXPECT_TRUE(has(shown, escaped)) << escaped << "\n" << shown;
    for (const char* raw : {"\xc2\x9b", "\xe2\x80\xae", "\x1b"}) EXPECT_FALSE(has(shown, raw)) << shown;
    // The layout stands: the status line on top, the input line at the bottom, no forged
    // line of alice's in the conversation.
    const auto rows = rows_of(shown);
    EXPECT_TRUE(has(rows[0], " papo  bob @ ")) << shown;
    EXPECT_TRUE(has(last_row(shown), "mallory>")) << shown;
    for (const auto& row : rows) EXPECT_FALSE(std::regex_search(row, std::regex(R"(^[^|]*\| \[10:00\])"))) << row;
    EXPECT_EQ(pane->pane_title(), title_before);
    EXPECT_FALSE(has(pane->visible_with_colours(), "\x1b[31mred")) << "mallory's colour reached the terminal";
    quit(*pane);
}

TEST_F(screen_chat, TheStatusLineFollowsTheBrokerAwayAndBackAndWhatWasQueuedIsSent) {
    register_users({"alice", "bob"});
    auto pane = open_screen("alice", {"--timeout", "1"});
    pane->type_line("/query bob");
    pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    broker_->stop();
    std::string shown = pane->wait_for_visible([](const std::string& s) { return has(rows_of(s)[0], "reconnecting"); });
    ASSERT_TRUE(has(rows_of(shown)[0], "offline")) << shown;
    pane->type_line("written while the broker was away");
    shown = pane->wait_for_visible([](const std::string& s) { return has(s, "you: written while the broker was away (queued)") && has(rows_of(s)[0], "1 queued"); });
    EXPECT_TRUE(has(shown, "you: written while the broker was away (queued)")) << shown;
    EXPECT_TRUE(has(rows_of(shown)[0], "1 queued")) << shown;
    broker_->start();
    shown = pane->wait_for_visible([](const std::string& s) { const auto top = rows_of(s)[0]; return has(top, "online") && !has(top, "offline"); },
                                   std::chrono::seconds(60));
    ASSERT_TRUE(has(rows_of(shown)[0], "online")) << shown;
    ASSERT_TRUE(wait_until_server_answers());
    std::vector<nlohmann::json> got;
    wait_until([&] { return !(got = messages_in(papo("bob", {"read", "--json"}).out)).empty(); }, std::chrono::seconds(90),
               std::chrono::milliseconds(200));
    ASSERT_EQ(got.size(), 1u) << pane->visible();
    EXPECT_EQ(got[0]["text"], "written while the broker was away");
    // bob's receipt: the mark turns to delivered and nothing waits any more.
    shown = pane->wait_for_visible([](const std::string& s) { return has(s, "written while the broker was away \u2713") && !has(rows_of(s)[0], "queued"); },
                                   std::chrono::seconds(60));
    EXPECT_TRUE(has(shown, "written while the broker was away \u2713")) << shown;
    EXPECT_FALSE(has(rows_of(shown)[0], "queued")) << shown;
    quit(*pane);
}

TEST_F(screen_chat, TheLastConversationIsOpenAgainAfterARestart) {
    register_users({"alice", "carol"});
    for (const char* topic : {"alpha", "dev"}) {
        ASSERT_EQ(admin({"topics", "add", topic}).exit_code, 0);
        ASSERT_EQ(papo("alice", {"join", topic}).exit_code, 0);
        ASSERT_EQ(papo("carol", {"join", topic}).exit_code, 0);
    }
    {
        auto pane = open_screen("alice");
        std::string shown = pane->visible();
        ASSERT_TRUE(has(last_row(shown), "#alpha>")) << "the first topic, with nothing remembered:\n" << shown;
        pane->type_line("/topic dev");
        shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "#dev>"); });
        ASSERT_TRUE(has(last_row(shown), "#dev>")) << shown;
        quit(*pane);
    }
    auto pane = open_screen("alice");
    std::string shown = pane->visible();
    EXPECT_TRUE(has(last_row(shown), "#dev>")) << shown;
    pane->type_line("a plain line after the restart");
    wait_visible(*pane, "you: a plain line after the restart");
    const auto got = messages_in(papo("carol", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["topic"], "dev");
    quit(*pane);
}

TEST_F(screen_chat, HistoryAfterARestartSearchActionsTabAndTheBell) {
    register_users({"alice", "bob"});
    for (const char* topic : {"lobby", "dev"}) {
        ASSERT_EQ(admin({"topics", "add", topic}).exit_code, 0);
        ASSERT_EQ(papo("alice", {"join", topic}).exit_code, 0);
        ASSERT_EQ(papo("bob", {"join", topic}).exit_code, 0);
    }
    {
        auto pane = open_screen("alice");
        pane->type_line("/topic lobby");
        wait_visible(*pane, "#lobby>");
        pane->type_line("the build is green again");
        wait_visible(*pane, "you: the build is green again");
        ASSERT_EQ(papo("bob", {"post", "lobby", "thanks for the build"}).exit_code, 0);
        wait_visible(*pane, "bob: thanks for the build");
        pane->type_line("/me waves");
        wait_visible(*pane, "* alice waves");
        quit(*pane);
    }
    // After a restart the open conversation shows what was seen before, marked, once.
    auto pane = open_screen("alice");
    std::string shown = wait_visible(*pane, "* alice waves (history)");
    EXPECT_TRUE(has(shown, "you: the build is green again \u2713 (history)") || has(shown, "you: the build is green again (history)")) << shown;
    EXPECT_EQ(pane->count(shown, "bob: thanks for the build"), 1) << shown;

    pane->type_line("/search buil");
    shown = wait_visible(*pane, "(search buil: 2 found)");
    EXPECT_TRUE(has(shown, "#lobby bob: thanks for the build")) << shown;

    // Tab: a command's name, then a topic; several matches are listed.
    pane->type("/to");
    pane->keys({"Tab"});
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "/topic"); });
    EXPECT_FALSE(has(last_row(shown), "/topics")) << "/to has two matches; their shared prefix is /topic:\n" << shown;
    pane->keys({"Tab"});
    shown = wait_visible(*pane, "-- /topic  /topics");
    pane->type(" de");
    pane->keys({"Tab"});
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "/topic dev"); });  // capture-pane drops the trailing space
    ASSERT_TRUE(has(last_row(shown), "/topic dev")) << shown;
    pane->keys({"Enter"});
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "#dev>"); });

    // The bell: not for a post in the open topic, nor one elsewhere without our name;
    // yes for a post naming us elsewhere and for a DM.
    EXPECT_EQ(pane->format("#{window_bell_flag}"), "0");
    ASSERT_EQ(papo("bob", {"post", "dev", "in the open topic, alice"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"post", "lobby", "no names here"}).exit_code, 0);
    const std::regex one_unread(R"(#lobby\s+1\b)");
    shown = pane->wait_for_visible(
        [&](const std::string& s) { return has(s, "in the open topic, alice") && std::regex_search(row_with(s, "#lobby"), one_unread); });
    ASSERT_TRUE(has(shown, "in the open topic, alice")) << shown;
    EXPECT_EQ(pane->format("#{window_bell_flag}"), "0") << shown;
    ASSERT_EQ(papo("bob", {"post", "lobby", "alice: have a look"}).exit_code, 0);
    EXPECT_TRUE(test::wait_until([&] { return pane->format("#{window_bell_flag}") == "1"; }, std::chrono::seconds(10)))
        << pane->visible();
    quit(*pane);
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    std::vector<std::string> texts;
    for (const auto& m : got) texts.push_back(m.at("text"));
    EXPECT_EQ(texts, (std::vector<std::string>{"the build is green again", "/me waves"}));
}

TEST_F(screen_chat, JoinAndQueryOpenConversationsAndErrorsAreShown) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"post", "lobby", "before alice came"}).exit_code, 0);
    auto pane = open_screen("alice");
    pane->type_line("/join lobby");
    std::string shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "#lobby>") && has(s, "before alice came"); });
    EXPECT_TRUE(has(shown, "carol: before alice came (history)")) << shown;
    EXPECT_TRUE(has(shown, "2 members")) << shown;
    pane->type_line("hello lobby");
    wait_visible(*pane, "you: hello lobby");
    pane->type_line("//slash at the start");
    wait_visible(*pane, "you: /slash at the start");
    const auto got = messages_in(papo("carol", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "hello lobby");
    EXPECT_EQ(got[1]["text"], "/slash at the start");
    pane->type_line("/query nobody-here");
    shown = wait_visible(*pane, "error:");
    EXPECT_TRUE(has(shown, "nobody-here")) << shown;
    pane->type_line("/bogus");
    shown = wait_visible(*pane, "unknown or incomplete command '/bogus'");
    EXPECT_TRUE(has(shown, "unknown or incomplete command '/bogus'")) << shown;
    pane->type_line("/query carol");
    shown = pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "carol>"); });
    EXPECT_TRUE(has(last_row(shown), "carol>")) << shown;
    quit(*pane);
}

// Ctrl-C ends the screen as it ends the line chat: the terminal is given back (the
// shell's own line shows again), the stop is said on stderr, the exit status is 130.
TEST_F(screen_chat, CtrlCGivesTheTerminalBackAndEndsAsASignalDoes) {
    register_users({"alice", "bob"});
    // The pane's shell survives the Ctrl-C (papo gets it with the default action, which it
    // replaces), so that it can print papo's exit status.
    tmux_pane pane_of_shell(state_dir_, "trap : INT; " + shell_line(papo_argv("alice")));
    tmux_pane* pane = &pane_of_shell;
    wait_visible(*pane, "connected as alice");
    pane->type_line("/query bob");
    pane->wait_for_visible([](const std::string& s) { return has(last_row(s), "bob>"); });
    pane->type("not sent");
    pane->keys({"C-c"});
    const std::string after = pane->wait_for_text("EXITED");
    EXPECT_TRUE(has(after, "EXITED 130")) << after << "\nvisible:\n" << pane->visible();
    EXPECT_TRUE(has(after, "papo: stopped by Interrupt")) << after;
    const std::string shown = pane->visible();
    EXPECT_FALSE(has(shown, " papo  alice @ ")) << "the screen was not taken down:\n" << shown;
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
}

// Not run by default: prints the screen that README.md shows ("The chat screen"), from a
// real run: papo_screen_e2e_tests --gtest_also_run_disabled_tests --gtest_filter='*Readme*'
TEST_F(screen_chat, DISABLED_PrintsTheReadmeCapture) {
    register_users({"alice", "bob", "carol"});
    for (const char* topic : {"lobby", "dev"}) {
        ASSERT_EQ(admin({"topics", "add", topic}).exit_code, 0);
        for (const char* user : {"alice", "bob", "carol"}) ASSERT_EQ(papo(user, {"join", topic}).exit_code, 0);
    }
    auto pane = open_screen("alice");
    pane->resize(78, 14);
    pane->type_line("/topic lobby");
    ASSERT_EQ(papo("bob", {"post", "lobby", "has anyone seen the build logs?"}).exit_code, 0);
    wait_visible(*pane, "build logs");
    pane->type_line("yes, under data/");
    ASSERT_EQ(papo("carol", {"read"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"read"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"post", "lobby", "thanks"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "lunch?"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "at noon"}).exit_code, 0);
    for (int k = 0; k < 5; ++k) ASSERT_EQ(papo("carol", {"post", "dev", "build " + std::to_string(k) + " green"}).exit_code, 0);
    pane->wait_for_visible([](const std::string& s) { return has(s, "thanks") && has(s, "data/ \u2713"); }, std::chrono::seconds(30));
    pane->type("see you th");
    const std::string shown = pane->wait_for_visible([](const std::string& s) { return has(s, "see you th") && std::regex_search(s, std::regex("#dev +5")); });
    std::cout << "----- README capture -----\n" << shown << "--------------------------\n";
    pane->keys({"C-u"});
    quit(*pane);
}

// Line mode stays for a terminal that cannot do the screen and with --plain.
TEST_F(screen_chat, TermDumbAndPlainKeepTheLineChat) {
    register_users({"alice"});
    for (const bool dumb : {true, false}) {
        std::vector<std::string> argv{"env", dumb ? "TERM=dumb" : "TERM=screen"};
        for (auto& word : papo_argv("alice", dumb ? std::vector<std::string>{} : std::vector<std::string>{"--plain"})) argv.push_back(word);
        tmux_pane pane(state_dir_, shell_line(argv));
        const std::string shown = pane.wait_for_text("connected as alice");
        EXPECT_TRUE(has(shown, "; /help lists the commands")) << shown;  // the line chat's greeting
        EXPECT_FALSE(has(shown, " papo  alice @ ")) << shown;
        pane.type_line("/quit");
        EXPECT_TRUE(has(pane.wait_for_text("EXITED"), "EXITED 0"));
    }
}

}  // namespace
}  // namespace papo::e2e
