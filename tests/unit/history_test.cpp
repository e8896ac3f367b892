// The local history (papo/client/history.h): SQLite with FTS5, in memory and on a real
// temporary file.
#include "papo/client/history.h"

#include "papo/clock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace papo {
namespace {

message_view dm(const std::string& from, const std::string& to, const std::string& id, const std::string& text,
                const std::string& sent_at = now_text()) {
    message_view m;
    m.direct = true;
    m.from = from;
    m.to = to;
    m.id = id;
    m.text = text;
    m.sent_at = sent_at;
    return m;
}

message_view post(const std::string& from, const std::string& topic, const std::string& id, const std::string& text,
                  const std::string& sent_at = now_text()) {
    message_view m = dm(from, "", id, text, sent_at);
    m.direct = false;
    m.topic = topic;
    return m;
}

std::string days_ago(int days) { return format_time(std::chrono::system_clock::now() - std::chrono::hours(24 * days)); }

class history_file : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-history-XXXXXX";
        dir = ::mkdtemp(pattern);
        file = local_history::file_in(dir);
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }
    std::string dir, file;
};

TEST(history, ConversationIsThePeerOrTheTopic) {
    EXPECT_EQ(conversation_of(dm("bob", "alice", "1", "hi"), "alice"), "bob");
    EXPECT_EQ(conversation_of(dm("alice", "bob", "2", "hi"), "alice"), "bob");
    EXPECT_EQ(conversation_of(post("carol", "lobby", "3", "hi"), "alice"), "#lobby");
}

TEST(history, AMessageShownTwiceIsKeptOnce) {
    local_history log("", 365);
    EXPECT_TRUE(log.record(dm("bob", "alice", "m1", "hello"), "alice"));
    EXPECT_FALSE(log.record(dm("bob", "alice", "m1", "hello"), "alice"));
    // Ids are per sender: carol's m1 is another message.
    EXPECT_TRUE(log.record(dm("carol", "alice", "m1", "hello"), "alice"));
    EXPECT_EQ(log.recent("bob", 10).size(), 1u);
    EXPECT_EQ(log.recent("carol", 10).size(), 1u);
}

TEST(history, RecentGivesTheLastOnesOldestFirstWithWhoSentThem) {
    local_history log("", 365);
    for (int k = 1; k <= 5; ++k) log.record(dm(k % 2 ? "bob" : "alice", k % 2 ? "alice" : "bob", "m" + std::to_string(k), "text " + std::to_string(k)), "alice");
    log.record(post("bob", "lobby", "p1", "in the lobby"), "alice");
    const auto recent = log.recent("bob", 3);
    ASSERT_EQ(recent.size(), 3u);
    EXPECT_EQ(recent[0].message.text, "text 3");
    EXPECT_EQ(recent[2].message.text, "text 5");
    EXPECT_FALSE(recent[0].outgoing);
    EXPECT_TRUE(recent[1].outgoing);
    EXPECT_EQ(recent[1].message.to, "bob");
    EXPECT_TRUE(recent[0].message.history);
    const auto lobby = log.recent("#lobby", 10);
    ASSERT_EQ(lobby.size(), 1u);
    EXPECT_FALSE(lobby[0].message.direct);
    EXPECT_EQ(lobby[0].message.topic, "lobby");
}

TEST(history, SearchFindsEveryWordAsAPrefixAndNarrowsByConversationAndTime) {
    local_history log("", 365);
    log.record(dm("bob", "alice", "1", "the build logs are under data/", days_ago(3)), "alice");
    log.record(post("carol", "dev", "2", "Build is green again"), "alice");
    log.record(post("carol", "dev", "3", "lunch?"), "alice");
    history_search q;
    q.words = "buil";
    EXPECT_EQ(log.search(q).size(), 2u);
    q.words = "build logs";
    ASSERT_EQ(log.search(q).size(), 1u);
    EXPECT_EQ(log.search(q)[0].conversation, "bob");
    q.words = "build";
    q.conversation = "#dev";
    ASSERT_EQ(log.search(q).size(), 1u);
    EXPECT_EQ(log.search(q)[0].message.id, "2");
    q.conversation.clear();
    q.since = *parse_since("1d");
    ASSERT_EQ(log.search(q).size(), 1u);
    q.words = "nothing-like-it";
    EXPECT_TRUE(log.search(q).empty());
}

TEST(history, SearchWordsAreNeverQuerySyntax) {
    local_history log("", 365);
    log.record(dm("bob", "alice", "1", "say \"quoted\" OR NOT"), "alice");
    for (const char* words : {"\"", "quoted\"", "OR", "NOT", "a:b", "(", "*", "NEAR(x y)", "-x"}) {
        history_search q;
        q.words = words;
        EXPECT_NO_THROW(log.search(q)) << words;
    }
    history_search q;
    q.words = "\"quoted\"";
    EXPECT_EQ(log.search(q).size(), 1u);
}

TEST(history, ConversationsComeLatestFirstWithTheirCounts) {
    local_history log("", 365);
    log.record(dm("bob", "alice", "1", "a"), "alice");
    log.record(dm("bob", "alice", "2", "b"), "alice");
    log.record(post("carol", "lobby", "3", "c"), "alice");
    const auto all = log.conversations();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "#lobby");
    EXPECT_EQ(all[1].name, "bob");
    EXPECT_EQ(all[1].messages, 2u);
    EXPECT_GT(all[0].last_at, 0);
}

TEST_F(history_file, SurvivesReopeningAndIsReadableByItsOwnerOnly) {
    {
        local_history log(file, 365);
        log.record(dm("bob", "alice", "1", "kept"), "alice");
    }
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    local_history again(file, 365);
    const auto recent = again.recent("bob", 10);
    ASSERT_EQ(recent.size(), 1u);
    EXPECT_EQ(recent[0].message.text, "kept");
    EXPECT_FALSE(again.record(dm("bob", "alice", "1", "kept"), "alice"));
}

TEST_F(history_file, OldMessagesArePrunedWhenOpenedAndZeroDaysKeepsNothing) {
    {
        local_history log(file, 365);
        log.record(dm("bob", "alice", "old", "from last month", days_ago(40)), "alice");
        log.record(dm("bob", "alice", "new", "from today"), "alice");
    }
    {
        local_history log(file, 30);
        const auto recent = log.recent("bob", 10);
        ASSERT_EQ(recent.size(), 1u);
        EXPECT_EQ(recent[0].message.id, "new");
        history_search q;
        q.words = "month";
        EXPECT_TRUE(log.search(q).empty());  // the search index lost it too
    }
    local_history none(file, 0);
    EXPECT_TRUE(none.recent("bob", 10).empty());
    EXPECT_FALSE(none.record(dm("bob", "alice", "later", "not kept"), "alice"));
    EXPECT_TRUE(none.recent("bob", 10).empty());
}

TEST(history, AForgedFutureTimeCannotOutliveTheRetention) {
    local_history log("", 365);
    log.record(dm("bob", "alice", "1", "from the future", "2999-01-01T00:00:00.000Z"), "alice");
    log.record(dm("bob", "alice", "2", "no time", "yesterday-ish"), "alice");
    const auto recent = log.recent("bob", 10);
    ASSERT_EQ(recent.size(), 2u);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LE(recent[0].at, now);
    EXPECT_LE(recent[1].at, now);
    EXPECT_EQ(log.prune(std::chrono::system_clock::now() + std::chrono::hours(24 * 366)), 2u);
}

TEST(history, LinesForPeopleCarryTheDayAndAreSafe) {
    history_entry e;
    e.conversation = "bob";
    e.message = dm("bob", "alice", "1", "hi\x1b]0;owned\x07\nfake line", "2026-12-01T10:00:05.000Z");
    const std::string line = format_history_line(e);
    EXPECT_NE(line.find("2026-12-01 "), std::string::npos) << line;
    EXPECT_NE(line.find("bob -> you: hi\\x1b]0;owned\\x07"), std::string::npos) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_NE(line.find("\n  | fake line"), std::string::npos) << line;
    e.outgoing = true;
    e.message = dm("alice", "bob", "2", "/me waves", "2026-12-01T10:00:05.000Z");
    EXPECT_NE(format_history_line(e, {}, true).find("* alice waves  (history)"), std::string::npos);
    e.message = dm("alice", "bob", "3", "hello", "2026-12-01T10:00:05.000Z");
    EXPECT_NE(format_history_line(e).find("you -> bob: hello"), std::string::npos);
    const auto j = history_json_line(e);
    EXPECT_EQ(j["kind"], "dm");
    EXPECT_EQ(j["conversation"], "bob");
    EXPECT_EQ(j["outgoing"], true);
    EXPECT_EQ(j["text"], "hello");
}

TEST(history, SinceTakesDatesAndAges) {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    EXPECT_EQ(parse_since("2d", now), seconds - 2 * 86400);
    EXPECT_EQ(parse_since("3h", now), seconds - 3 * 3600);
    EXPECT_EQ(parse_since("2026-12-01T10:00:00Z", now), 1796119200);
    EXPECT_TRUE(parse_since("2026-12-01"));
    EXPECT_TRUE(parse_since("2026-12-01 10:00"));
    EXPECT_LT(*parse_since("2026-12-01"), *parse_since("2026-12-01 10:00"));
    for (const char* bad : {"", "yesterday", "2026-13-45x", "d", "-1d", "12"}) EXPECT_FALSE(parse_since(bad)) << bad;
}

}  // namespace
}  // namespace papo
