// The sender's durable outbox (papo/outbox.h), on a real temporary folder.
#include "papo/client/outbox.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace papo {
namespace {

class outbox_file : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-outbox-XXXXXX";
        dir = ::mkdtemp(pattern);
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }
    static outbox_entry entry(const std::string& to, const std::string& id) {
        return dm_entry(to, id, "text " + id, "2026-11-26T10:00:00.000Z");
    }
    std::string dir;
};

TEST_F(outbox_file, KeepsWhatNoReaderConfirmedAcrossRestarts) {
    {
        outbox box(dir);
        box.add(entry("bob", "m1"));
        box.add(entry("bob", "m2"));
        box.add(entry("carol", "m3"));
    }
    outbox again(dir);  // a new papo process
    ASSERT_EQ(again.pending().size(), 3u);
    EXPECT_EQ(again.pending()[0].id, "m1");  // oldest first
    EXPECT_EQ(again.pending()[2].text, "text m3");
}

TEST_F(outbox_file, OnlyTheRecipientsReceiptConfirms) {
    outbox box(dir);
    box.add(entry("bob", "m1"));
    box.add(entry("carol", "m2"));
    EXPECT_TRUE(box.confirm("carol", {"m1"}).empty());  // carol cannot confirm bob's message
    const auto confirmed = box.confirm("bob", {"m1", "unknown"});
    ASSERT_EQ(confirmed.size(), 1u);
    EXPECT_EQ(confirmed[0].id, "m1");
    EXPECT_TRUE(box.confirm("bob", {"m1"}).empty());  // a repeated receipt confirms nothing new
    ASSERT_EQ(box.pending().size(), 1u);
    EXPECT_EQ(box.pending()[0].id, "m2");
}

TEST_F(outbox_file, ResendsEachAtMostOncePerQuietPeriod) {
    outbox box(dir);
    box.add(entry("bob", "m1"));
    EXPECT_TRUE(box.due_for_resend(std::chrono::seconds(60)).empty());  // just sent
    EXPECT_EQ(box.due_for_resend(std::chrono::seconds(0)).size(), 1u);
    EXPECT_TRUE(box.due_for_resend(std::chrono::seconds(60)).empty());  // just resent
    box.confirm("bob", {"m1"});
    EXPECT_TRUE(box.due_for_resend(std::chrono::seconds(0)).empty());
}

TEST_F(outbox_file, ATornLastLineFromACrashIsIgnored) {
    outbox box(dir);
    box.add(entry("bob", "m1"));
    std::ofstream(dir + "/outbox.jsonl", std::ios::app) << R"({"add":{"to":"bob","id":"m2","te)";
    ASSERT_EQ(box.pending().size(), 1u);
    box.add(entry("bob", "m3"));  // appends after the torn line still count
    EXPECT_EQ(box.pending().size(), 2u);
}

TEST_F(outbox_file, NumbersEachRecipientsMessagesFromOneAcrossRestartsAndCompaction) {
    {
        outbox box(dir);
        EXPECT_EQ(box.add(entry("bob", "m1")).seq, 1u);
        EXPECT_EQ(box.add(entry("carol", "m2")).seq, 1u);
        EXPECT_EQ(box.add(entry("bob", "m3")).seq, 2u);
        box.confirm("bob", {"m1", "m3"});
    }
    outbox again(dir);
    EXPECT_EQ(again.add(entry("bob", "m4")).seq, 3u);  // confirmed ones still count
    EXPECT_EQ(again.pending().back().seq, 3u);
    std::vector<std::string> all;
    for (int i = 0; i < 1200; ++i) {
        again.add(entry("dave", "d" + std::to_string(i)));
        all.push_back("d" + std::to_string(i));
    }
    again.confirm("dave", all);
    again.due_for_resend(std::chrono::seconds(0));  // compacts
    EXPECT_EQ(again.add(entry("dave", "d-next")).seq, 1201u);
    EXPECT_EQ(again.add(entry("bob", "m5")).seq, 4u);
}

TEST_F(outbox_file, CompactionKeepsEveryPendingEntry) {
    outbox box(dir);
    for (int i = 0; i < 1500; ++i) box.add(entry("bob", "m" + std::to_string(i)));
    std::vector<std::string> done;
    for (int i = 0; i < 1490; ++i) done.push_back("m" + std::to_string(i));
    box.confirm("bob", done);
    box.due_for_resend(std::chrono::seconds(0));  // compacts
    const auto left = box.pending();
    ASSERT_EQ(left.size(), 10u);
    EXPECT_EQ(left.front().id, "m1490");
    EXPECT_TRUE(box.due_for_resend(std::chrono::seconds(60)).empty());  // the resend just made is kept
    std::ifstream in(dir + "/outbox.jsonl");
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    EXPECT_LT(lines, 100);
}

TEST_F(outbox_file, APostIsDoneWhenEveryMemberConfirmedIt) {
    outbox box(dir);
    outbox_entry post;
    post.topic = "lobby";
    post.waiting = {"bob", "carol"};
    post.id = "p1";
    post.text = "hello lobby";
    EXPECT_EQ(box.add(post).seq, 1u);
    EXPECT_TRUE(box.confirm("mallory", {"p1"}).empty());
    EXPECT_TRUE(box.confirm("bob", {"p1"}).empty());  // carol has not yet
    ASSERT_EQ(box.pending().size(), 1u);
    EXPECT_EQ(box.pending()[0].waiting, std::vector<std::string>{"carol"});
    const auto done = box.confirm("carol", {"p1"});
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].topic, "lobby");
    EXPECT_TRUE(box.pending().empty());
    EXPECT_EQ(box.add(dm_entry("lobby", "d1", "a DM to a user named like the topic", "")).seq, 1u);  // numbered apart
}

TEST_F(outbox_file, EachDmSaysUpToWhichNumberItsReaderConfirmedTheEarlierOnes) {
    outbox box(dir);
    EXPECT_EQ(box.add(entry("bob", "m1")).through, 0u);
    EXPECT_EQ(box.add(entry("bob", "m2")).through, 0u);  // m1 still waits
    box.confirm("bob", {"m1"});
    EXPECT_EQ(box.add(entry("bob", "m3")).through, 1u);  // m2 waits
    box.confirm("bob", {"m2", "m3"});
    EXPECT_EQ(box.add(entry("bob", "m4")).through, 3u);
    EXPECT_EQ(box.add(entry("carol", "c1")).through, 0u);  // per reader
    outbox other(dir);  // another papo process of the same user
    const auto waiting = other.pending();
    ASSERT_EQ(waiting.size(), 2u);
    EXPECT_EQ(waiting[0].through, 3u);  // resent copies say it too
    box.confirm("carol", {"c1"});
    EXPECT_EQ(other.add(entry("carol", "c2")).through, 1u);
}

TEST_F(outbox_file, PublishedCopiesCarryTheNumbersAndOneSeriesPerOutbox) {
    outbox box(dir);
    const auto m = box.published(box.add(entry("bob", "m1")));
    EXPECT_EQ(m.seq, 1u);
    EXPECT_EQ(m.through, 0u);
    EXPECT_EQ(m.series.size(), 16u);
    EXPECT_EQ(outbox(dir).series(), m.series);  // kept in the state folder
    char other_pattern[] = "/tmp/papo-outbox-XXXXXX";
    const std::string other_dir = ::mkdtemp(other_pattern);
    EXPECT_NE(outbox(other_dir).series(), m.series);  // another machine numbers apart
    std::system(("rm -rf '" + other_dir + "'").c_str());
    outbox_entry post = dm_entry("", "p1", "hi all", "2026-11-26T10:00:00.000Z");
    post.topic = "lobby";
    post.waiting = {"bob"};
    const auto p = box.published(box.add(post));
    EXPECT_EQ(p.seq, 1u);
    EXPECT_FALSE(p.through.has_value());  // a post is read by many: no single reader's mark
}

}  // namespace
}  // namespace papo
