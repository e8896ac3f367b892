// The chat screen without a terminal (client/papo/screen/): the model's conversations,
// unread counts, keys and input history, and the windows' layout as plain text.
#include "chat_commands.h"
#include "chat_model.h"
#include "last_conversation.h"
#include "text_cells.h"
#include "windows.h"

#include "files.h"

#include <gtest/gtest.h>

#include "papo/error.h"

#include <algorithm>
#include <clocale>
#include <cstdlib>
#include <sstream>

namespace papo::tui {
namespace {

class screen_model : public ::testing::Test {
protected:
    void SetUp() override {
        std::setlocale(LC_CTYPE, "C.UTF-8");  // as terminal.cpp sets it: wcwidth knows wide characters
        setenv("TZ", "UTC", 1);
        tzset();
    }
    static message_view dm(const std::string& from, const std::string& text, const std::string& id,
                           const std::string& sent_at = "2026-12-01T10:02:00.000Z") {
        message_view m;
        m.direct = true;
        m.from = from;
        m.to = "alice";
        m.text = text;
        m.id = id;
        m.sent_at = sent_at;
        return m;
    }
    static message_view post(const std::string& topic, const std::string& from, const std::string& text, const std::string& id) {
        message_view m = dm(from, text, id);
        m.direct = false;
        m.topic = topic;
        m.to.clear();
        return m;
    }
    static key_press key(key_press::special what, int digit = 0) {
        key_press k;
        k.what = what;
        k.digit = digit;
        return k;
    }
    static void type(chat_model& m, const std::string& text) {
        for (const char32_t c : decode_utf8(text)) {
            key_press k;
            k.character = c;
            m.key(k, 10);
        }
    }
    static std::vector<std::string> lines(const std::string& text) {
        std::vector<std::string> out;
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }
    static std::time_t day_one() { return 1796119200; }  // 2026-12-01T10:00:00Z
    chat_model model{"alice", "tcp://127.0.0.1:1883"};
};

TEST_F(screen_model, ConversationsAreSortedDmsThenTopicsAndCountUnreadUntilOpened) {
    model.add(conversation_id::topic("lobby"));
    model.add(conversation_id::direct("carol"));
    model.add(conversation_id::direct("bob"));
    model.open(conversation_id::topic("lobby"));
    ASSERT_EQ(model.conversations().size(), 3u);
    EXPECT_EQ(model.conversations()[0].id.key(), "@bob");
    EXPECT_EQ(model.conversations()[1].id.key(), "@carol");
    EXPECT_EQ(model.conversations()[2].id.key(), "#lobby");

    model.message(dm("bob", "one", "1"));
    model.message(dm("bob", "two", "2"));
    model.message(post("lobby", "carol", "in the open one", "3"));
    EXPECT_EQ(model.find(conversation_id::direct("bob"))->unread, 2u);
    EXPECT_EQ(model.find(conversation_id::topic("lobby"))->unread, 0u);
    model.message(dm("dave", "a new person", "4"));  // a DM from someone new adds them
    EXPECT_EQ(model.conversations()[2].id.key(), "@dave");

    model.key(key(key_press::special::alt_digit, 1), 10);
    EXPECT_EQ(model.open()->id.key(), "@bob");
    EXPECT_EQ(model.find(conversation_id::direct("bob"))->unread, 0u);
    EXPECT_TRUE(model.take_open_changed());
    EXPECT_FALSE(model.take_open_changed());
    model.key(key(key_press::special::previous_conversation), 10);
    EXPECT_EQ(model.open()->id.key(), "#lobby");  // round the end
    model.key(key(key_press::special::next_conversation), 10);
    EXPECT_EQ(model.open()->id.key(), "@bob");
    model.key(key(key_press::special::alt_digit, 9), 10);  // there is no 9th: nothing changes
    EXPECT_EQ(model.open()->id.key(), "@bob");
}

TEST_F(screen_model, DeliveredMarksTheLineAndAnEarlierOneGetsARemark) {
    model.open(conversation_id::direct("bob"));
    model.sent(conversation_id::direct("bob"), "m1", "hello", "2026-12-01T10:03:00.000Z", false);
    model.sent(conversation_id::direct("bob"), "m2", "later", "2026-12-01T10:04:00.000Z", true);
    outbox_entry e = dm_entry("bob", "m1", "hello", "2026-12-01T10:03:00.000Z");
    model.delivered("bob", e);
    model.delivered("bob", dm_entry("bob", "old", "from an earlier run", "2026-12-01T09:00:00.000Z"));
    const auto text = plain_text(draw(model, 80, 12, day_one()));
    EXPECT_NE(text.find("you: hello \u2713"), std::string::npos) << text;
    EXPECT_NE(text.find("you: later (queued)"), std::string::npos) << text;
    EXPECT_NE(text.find("-- bob has your message: from an earlier run"), std::string::npos) << text;
}

TEST_F(screen_model, TheLayoutHasStatusSidebarConversationAndInput) {
    model.add(conversation_id::direct("bob"));
    model.set_presence("bob", true);
    model.add(conversation_id::topic("lobby")).members = 3;
    model.open(conversation_id::topic("lobby"));
    model.connection().what = connection_view::state::online;
    model.message(post("lobby", "bob", "has anyone seen the build logs?", "1"));
    model.message(dm("bob", "psst", "2"));
    type(model, "hi");
    const frame f = draw(model, 60, 8, day_one());
    const auto rows = lines(plain_text(f));
    ASSERT_EQ(rows.size(), 8u);
    EXPECT_EQ(rows[0].rfind(" papo  alice @ 127.0.0.1:1883  online  ", 0), 0u) << rows[0];
    EXPECT_EQ(cell_width(rows[0]), 59) << "today's date at the right edge (then a space): " << rows[0];
    EXPECT_EQ(rows[0].substr(rows[0].size() - 14), "Tue 1 Dec 2026") << rows[0];
    EXPECT_EQ(rows[1], " DMs          | #lobby  3 members");
    EXPECT_EQ(rows[2], "1 *bob      1 |");
    EXPECT_EQ(rows[3], " Topics       |");
    EXPECT_EQ(rows[4], "2  #lobby     | -- Tue 1 Dec 2026 --");
    EXPECT_EQ(rows[5], "              | [10:02] bob: has anyone seen the build logs?");
    EXPECT_EQ(rows[6], "--------------+---------------------------------------------");
    EXPECT_EQ(rows[7], "#lobby> hi");
    EXPECT_EQ(f.cursor_row, 7);
    EXPECT_EQ(f.cursor_column, 10);
    for (const auto& r : f.rows) EXPECT_EQ(cells_of(r), 60);
}

TEST_F(screen_model, ADateLineStandsWhereTheDayChanges) {
    model.open(conversation_id::direct("bob"));
    model.message(dm("bob", "monday", "1", "2026-11-30T23:59:00.000Z"));
    model.message(dm("bob", "tuesday", "2", "2026-12-01T00:01:00.000Z"));
    model.message(dm("bob", "still tuesday", "3", "2026-12-01T08:00:00.000Z"));
    model.message(dm("bob", "no time", "4", "yesterday"));
    const auto text = plain_text(draw(model, 70, 12, day_one()));
    const auto monday = text.find("-- Mon 30 Nov 2026 --"), tuesday = text.find("-- Tue 1 Dec 2026 --");
    ASSERT_NE(monday, std::string::npos) << text;
    ASSERT_NE(tuesday, std::string::npos) << text;
    EXPECT_LT(text.find("monday"), tuesday);
    EXPECT_LT(tuesday, text.find("[00:01] bob: tuesday"));
    EXPECT_EQ(text.find("-- Tue 1 Dec 2026 --", tuesday + 1), std::string::npos) << "one date line per day:\n" << text;
    EXPECT_NE(text.find("[unknown time] bob: no time"), std::string::npos) << text;
}

TEST_F(screen_model, ScrollingMovesByPagesAndStopsAtBothEnds) {
    model.open(conversation_id::direct("bob"));
    for (int k = 0; k < 40; ++k) model.message(dm("bob", "line " + std::to_string(100 + k), std::to_string(k)));
    frame f = draw(model, 60, 12, day_one());
    EXPECT_NE(plain_text(f).find("line 139"), std::string::npos);
    model.key(key(key_press::special::page_up), f.page_rows);
    f = draw(model, 60, 12, day_one());
    std::string text = plain_text(f);
    EXPECT_EQ(text.find("line 139"), std::string::npos) << text;
    EXPECT_NE(text.find("scrolled back"), std::string::npos) << text;
    for (int k = 0; k < 10; ++k) model.key(key(key_press::special::page_up), f.page_rows);
    f = draw(model, 60, 12, day_one());
    model.clamp_scroll(f.most_scroll);
    EXPECT_EQ(model.open()->scroll, f.most_scroll);
    EXPECT_NE(plain_text(f).find("line 100"), std::string::npos) << plain_text(f);
    model.key(key(key_press::special::page_down), f.page_rows);
    EXPECT_LT(model.open()->scroll, f.most_scroll);
    for (int k = 0; k < 10; ++k) model.key(key(key_press::special::page_down), f.page_rows);
    EXPECT_EQ(model.open()->scroll, 0);
    EXPECT_NE(plain_text(draw(model, 60, 12, day_one())).find("line 139"), std::string::npos);
}

// Only the newest entries are laid out each time; paging back still reaches the first.
TEST_F(screen_model, ALongConversationScrollsBackToItsFirstMessage) {
    model.open(conversation_id::direct("bob"));
    for (int k = 0; k < 2000; ++k) model.message(dm("bob", "entry " + std::to_string(10000 + k), std::to_string(k)));
    frame f = draw(model, 60, 12, day_one());
    int pages = 0;
    while (plain_text(f).find("entry 10000") == std::string::npos && pages < 1000) {
        model.key(key(key_press::special::page_up), f.page_rows);
        f = draw(model, 60, 12, day_one());
        model.clamp_scroll(f.most_scroll);
        ++pages;
    }
    EXPECT_NE(plain_text(f).find("entry 10000"), std::string::npos) << plain_text(f);
    EXPECT_GE(pages, 2000 / f.page_rows - 1);
    EXPECT_EQ(plain_text(f).find("-- Tue 1 Dec 2026 --"), plain_text(f).find("--")) << "the first day's line above the first:\n" << plain_text(f);
    const int at_start = model.open()->scroll;
    model.key(key(key_press::special::page_up), f.page_rows);
    model.clamp_scroll(draw(model, 60, 12, day_one()).most_scroll);
    EXPECT_EQ(model.open()->scroll, at_start) << "no further back than the first";
}

TEST_F(screen_model, EditingKeysAndInputHistoryPerConversation) {
    model.open(conversation_id::direct("bob"));
    type(model, "helo");
    model.key(key(key_press::special::left), 10);
    type(model, "l");
    EXPECT_EQ(model.input().text(), "hello");
    model.key(key(key_press::special::home), 10);
    model.key(key(key_press::special::erase), 10);
    type(model, "H");
    model.key(key(key_press::special::end), 10);
    model.key(key(key_press::special::backspace), 10);
    EXPECT_EQ(model.input().text(), "Hell");
    EXPECT_EQ(model.key(key(key_press::special::enter), 10), std::optional<std::string>("Hell"));
    EXPECT_TRUE(model.input().empty());
    type(model, "second");
    model.key(key(key_press::special::enter), 10);

    model.open(conversation_id::direct("carol"));
    model.key(key(key_press::special::up), 10);
    EXPECT_TRUE(model.input().empty()) << "carol's history is her own";
    type(model, "for carol");
    model.key(key(key_press::special::enter), 10);

    model.open(conversation_id::direct("bob"));
    type(model, "draft");
    model.key(key(key_press::special::up), 10);
    EXPECT_EQ(model.input().text(), "second");
    model.key(key(key_press::special::up), 10);
    EXPECT_EQ(model.input().text(), "Hell");
    model.key(key(key_press::special::up), 10);
    EXPECT_EQ(model.input().text(), "Hell");
    model.key(key(key_press::special::down), 10);
    model.key(key(key_press::special::down), 10);
    EXPECT_EQ(model.input().text(), "draft") << "the line being typed comes back";
    model.key(key(key_press::special::erase_to_start), 10);
    EXPECT_TRUE(model.input().empty());
    EXPECT_FALSE(model.quit_asked());
    model.key(key(key_press::special::end_of_input), 10);
    EXPECT_TRUE(model.quit_asked());
}

TEST_F(screen_model, ControlAndBidiCharactersCannotBeTyped) {
    auto& in = model.input();
    EXPECT_FALSE(in.insert(U'\x1b'));
    EXPECT_FALSE(in.insert(U'\u202E'));
    EXPECT_FALSE(in.insert(U'\u009B'));
    EXPECT_TRUE(in.insert(U'日'));
    EXPECT_TRUE(in.insert(U'\U0001F600'));
    EXPECT_EQ(in.text(), "日\U0001F600");
}

TEST_F(screen_model, WideCharactersTakeTwoCellsAndWrapWhole) {
    EXPECT_EQ(cell_width("abc"), 3);
    EXPECT_EQ(cell_width("日本語"), 6);
    EXPECT_EQ(cell_width("\U0001F600"), 2);
    EXPECT_EQ(cell_width("e\u0301"), 1);  // a combining accent takes none
    EXPECT_EQ(fit_to_cells("日本語", 5), "日本 ");  // never half a character
    const auto rows = wrap_to_cells("日本語日本語日", 5);
    ASSERT_EQ(rows.size(), 4u);
    for (const auto& r : rows) EXPECT_LE(cell_width(r), 5);
    EXPECT_EQ(rows[0] + rows[1] + rows[2] + rows[3], "日本語日本語日");

    model.open(conversation_id::direct("太郎"));
    model.message(dm("太郎", "日本語のテキストは二つの列を取ります😀😀", "1"));
    const frame f = draw(model, 50, 10, day_one());
    for (const auto& r : f.rows) EXPECT_EQ(cells_of(r), 50) << plain_text(f);
    std::string joined;
    for (const auto& line : lines(plain_text(f)))
        if (line.find("| ") != std::string::npos) joined += line.substr(line.find("| ") + 2);
    EXPECT_NE(joined.find("日本語のテキストは二つの列を取ります😀😀"), std::string::npos) << plain_text(f);
}

TEST_F(screen_model, UntrustedTextReachesNoSpanRaw) {
    model.open(conversation_id::direct("mallory"));
    model.message(dm("mallory", "csi \x1b[2J title \x1b]0;x\x07 bidi \xe2\x80\xae c1 \xc2\x9b bad \xff\r\n[10:00] alice: forged", "1"));
    model.remark("a remark quoting \x1b[31m");
    const frame f = draw(model, 120, 10, day_one());
    for (const auto& r : f.rows)
        for (const auto& s : r)
            for (const unsigned char c : s.text) EXPECT_FALSE(c < 0x20 || c == 0x7f) << s.text;
    const std::string text = plain_text(f);
    EXPECT_NE(text.find("csi \\x1b[2J title \\x1b]0;x\\x07 bidi \\u{202E} c1 \\u{009B} bad \\xff"), std::string::npos) << text;
    EXPECT_NE(text.find("|   | [10:00] alice: forged"), std::string::npos) << "the second line is marked as one:\n" << text;
    EXPECT_NE(text.find("-- a remark quoting \\x1b[31m"), std::string::npos) << text;
}

TEST_F(screen_model, TheStatusLineSaysOfflineAndWhatIsQueued) {
    auto& c = model.connection();
    c.what = connection_view::state::reconnecting;
    c.retry_in = std::chrono::milliseconds(4000);
    c.reason = "connection refused";
    c.queued = 2;
    const std::string top = lines(plain_text(draw(model, 120, 6, day_one())))[0];
    EXPECT_EQ(top.rfind(" papo  alice @ 127.0.0.1:1883  offline, reconnecting in 4 s  2 queued  (connection refused)  ", 0), 0u) << top;
    EXPECT_EQ(top.substr(top.size() - 14), "Tue 1 Dec 2026") << top;
    // Narrow: the state and the count stay, the reason is cut.
    const std::string narrow = lines(plain_text(draw(model, 70, 6, day_one())))[0];
    EXPECT_EQ(narrow, " papo  alice @ 127.0.0.1:1883  offline, reconnecting in 4 s  2 queued");
}

TEST_F(screen_model, RecentHistoryIsAskedOnceWhenAConversationIsFirstOpened) {
    int asked = 0;
    model.set_history_source([&](const conversation_id& id, std::size_t limit) {
        ++asked;
        EXPECT_GT(limit, 0u);
        if (id.key() != "@bob") return std::vector<message_view>{};
        return std::vector<message_view>{dm("bob", "from yesterday", "old-1", "2026-11-30T10:00:00.000Z"),
                                         dm("bob", "already here", "live-1")};
    });
    model.message(dm("bob", "already here", "live-1"));
    model.open(conversation_id::direct("bob"));
    model.open(conversation_id::direct("carol"));
    model.open(conversation_id::direct("bob"));
    EXPECT_EQ(asked, 2);  // bob once, carol once
    const auto& buffer = model.find(conversation_id::direct("bob"))->buffer;
    ASSERT_EQ(buffer.size(), 2u) << "a message already shown is not added twice";
    EXPECT_EQ(buffer[0].text, "from yesterday");
    EXPECT_TRUE(buffer[0].history);
    EXPECT_EQ(buffer[1].text, "already here");
}

TEST_F(screen_model, TheLastConversationIsKeptInTheStateFolder) {
    const std::string dir = test::make_temp_dir("papo-screen-");
    EXPECT_FALSE(read_last_conversation(dir));
    ASSERT_TRUE(write_last_conversation(dir, conversation_id::topic("dev")));
    const auto back = read_last_conversation(dir);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->key(), "#dev");
    ASSERT_TRUE(write_last_conversation(dir, conversation_id::direct("bob")));
    EXPECT_EQ(read_last_conversation(dir)->key(), "@bob");
    test::remove_tree(dir);
}

}  // namespace
}  // namespace papo::tui

namespace papo::cli {
namespace {

TEST(chat_commands, TabCompletesTheOnlyMatchAndWhatSeveralShare) {
    const std::vector<std::string> candidates{"/topic", "/topics", "/join", "/query"};
    auto done = complete_word("/j", candidates);
    EXPECT_EQ(done.word, "/join ");
    done = complete_word("/to", candidates);
    EXPECT_EQ(done.word, "/topic");
    EXPECT_EQ(done.matches, (std::vector<std::string>{"/topic", "/topics"}));
    done = complete_word("/topic", candidates);
    EXPECT_EQ(done.word, "/topic") << "nothing more to share: the caller lists the matches";
    done = complete_word("/x", candidates);
    EXPECT_TRUE(done.matches.empty());
    EXPECT_EQ(done.word, "/x");
}

TEST(chat_commands, CandidatesFollowTheCommandBeingTyped) {
    known_names names;
    names.users = {"bob", "carol"};
    names.topics = {"dev", "lobby"};
    const auto line_commands = chat_completions(chat_kind::line, "", "/", names);
    EXPECT_EQ(std::count(line_commands.begin(), line_commands.end(), "/query"), 0) << "the line chat has no /query";
    const auto screen_commands = chat_completions(chat_kind::screen, "", "/", names);
    EXPECT_EQ(std::count(screen_commands.begin(), screen_commands.end(), "/query"), 1);
    EXPECT_EQ(chat_completions(chat_kind::screen, "/join ", "", names), (std::vector<std::string>{"dev", "lobby"}));
    EXPECT_EQ(chat_completions(chat_kind::screen, "/query ", "", names), (std::vector<std::string>{"bob", "carol"}));
    EXPECT_EQ(chat_completions(chat_kind::screen, "/msg bob hi ", "#", names), (std::vector<std::string>{"#dev", "#lobby"}));
    EXPECT_EQ(chat_completions(chat_kind::screen, "/help ", "", names).front(), "query");
    EXPECT_EQ(chat_completions(chat_kind::line, "hello ", "", names), (std::vector<std::string>{"#dev", "#lobby", "bob", "carol"}));
}

TEST(chat_commands, AMentionIsTheNameAsAWord) {
    EXPECT_TRUE(mentions("alice: look", "alice"));
    EXPECT_TRUE(mentions("thanks, Alice.", "alice"));
    EXPECT_TRUE(mentions("@alice hi", "alice"));
    EXPECT_FALSE(mentions("malice aforethought", "alice"));
    EXPECT_FALSE(mentions("alice_b is here", "alice"));
    EXPECT_FALSE(mentions("anything", ""));
}

TEST(chat_commands, HelpForACommandTheChatHas) {
    EXPECT_EQ(chat_help_for(chat_kind::screen, "query").front(), "/query USER [TEXT]");
    EXPECT_EQ(chat_help_for(chat_kind::line, "/exit").front(), "/quit");
    EXPECT_THROW(chat_help_for(chat_kind::line, "query"), papo::error);
}

}  // namespace
}  // namespace papo::cli

namespace papo::tui {
namespace {

TEST_F(screen_model, TabCompletesTheWordBeforeTheCursorAndListsSeveral) {
    model.open(conversation_id::topic("lobby"));
    std::vector<std::pair<std::string, std::string>> asked;
    model.set_completer([&](const std::string& before, const std::string& word) {
        asked.emplace_back(before, word);
        return std::vector<std::string>{"bob", "bobby", "carol"};
    });
    type(model, "hi c");
    model.key(key(key_press::special::complete), 10);
    EXPECT_EQ(model.input().text(), "hi carol ");
    ASSERT_EQ(asked.size(), 1u);
    EXPECT_EQ(asked[0], (std::pair<std::string, std::string>{"hi ", "c"}));
    type(model, "and b");
    model.key(key(key_press::special::complete), 10);
    EXPECT_EQ(model.input().text(), "hi carol and bob");
    model.key(key(key_press::special::complete), 10);
    EXPECT_EQ(model.input().text(), "hi carol and bob");
    ASSERT_FALSE(model.open()->buffer.empty());
    EXPECT_EQ(model.open()->buffer.back().text, "bob  bobby") << "the second Tab lists the matches";
    // In the middle of the line: only the word before the cursor changes.
    model.key(key(key_press::special::home), 10);
    type(model, "c");
    model.key(key(key_press::special::complete), 10);
    EXPECT_EQ(model.input().text(), "carol hi carol and bob");
}

TEST_F(screen_model, AnActionIsShownAsTheSenderDoingIt) {
    model.open(conversation_id::topic("lobby"));
    model.message(post("lobby", "bob", "/me waves", "b-1"));
    model.sent(conversation_id::topic("lobby"), "a-1", "/me nods", "2026-12-01T10:03:00.000Z", false);
    const std::string shown = plain_text(draw(model, 80, 12, day_one()));
    EXPECT_NE(shown.find("] * bob waves"), std::string::npos) << shown;
    EXPECT_NE(shown.find("] * alice nods"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("/me"), std::string::npos) << shown;
}

}  // namespace
}  // namespace papo::tui
