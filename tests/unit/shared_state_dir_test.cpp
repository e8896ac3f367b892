// Two papo processes of one user on one state folder (state_dir.h's rule), played by
// two instances in one process: neither may clobber what the other wrote. The first
// two failed before the folder had a rule (a descriptor kept across the other's
// rename; held.jsonl rewritten from one process's memory); the third guards seq_from.
#include "papo/client/reader.h"
#include "papo/client/seen_ids.h"
#include "papo/messages.h"
#include "papo/topics.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace papo {
namespace {

class shared_state_dir : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-shared-state-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    // A DM to "me" as the broker would deliver it (never connected: no broker needed).
    static inbound dm_from(const std::string& sender, const std::string& id, std::uint64_t seq) {
        inbound in;
        in.topic = topics::inbox("me", sender);
        in.payload = encode(chat_message{id, "text " + id, "2026-12-01T10:00:00.000Z", seq, std::nullopt, "series-of-" + sender});
        return in;
    }
    std::string dir;
};

TEST_F(shared_state_dir, IdsSeenByOneProcessSurviveAnotherProcessCompactingTheFile) {
    const std::string path = dir + "/seen";
    seen_ids running(100, path);      // `papo read --wait`
    running.first_time("before");
    seen_ids one_shot(100, path);     // `papo join` starts: compacts the file at start
    running.first_time("after");      // the reader goes on showing
    seen_ids next_start(100, path);
    EXPECT_TRUE(next_start.contains("before"));
    EXPECT_TRUE(next_start.contains("after"));  // was written into the renamed-away file
}

TEST_F(shared_state_dir, HeldMessagesOfOneProcessSurviveTheOtherRewritingHeldJsonl) {
    session never_connected(session_options{});
    {
        reader first(never_connected, "me", dir, [](const message_view&) {});
        reader second(never_connected, "me", dir, [](const message_view&) {});  // started before first held anything
        first.handle(dm_from("alice", "a1", 1));
        first.handle(dm_from("alice", "a3", 3));  // held: 2 is missing
        second.handle(dm_from("bob", "b1", 1));
        second.handle(dm_from("bob", "b3", 3));   // held: rewrites held.jsonl
        EXPECT_EQ(first.held(), 1u);
        EXPECT_EQ(second.held(), 1u);
    }
    reader later(never_connected, "me", dir, [](const message_view&) {});
    EXPECT_EQ(later.held(), 2u);  // alice's and bob's
    std::vector<std::string> shown;
    reader filler(never_connected, "me", dir, [&shown](const message_view& m) { shown.push_back(m.id); });
    filler.handle(dm_from("alice", "a2", 2));
    filler.handle(dm_from("bob", "b2", 2));
    EXPECT_EQ(shown, (std::vector<std::string>{"a2", "a3", "b2", "b3"}));
}

TEST_F(shared_state_dir, NumbersOneProcessRecordsSurviveTheOtherCompactingSeqFrom) {
    session never_connected(session_options{});
    {
        reader first(never_connected, "me", dir, [](const message_view&) {});
        // enough history that the next start compacts seq_from
        for (std::uint64_t n = 1; n <= 1500; ++n) first.handle(dm_from("alice", "a" + std::to_string(n), n));
        reader second(never_connected, "me", dir, [](const message_view&) {});  // compacts
        first.handle(dm_from("alice", "a1501", 1501));
    }
    std::vector<message_view> shown;
    reader later(never_connected, "me", dir, [&shown](const message_view& m) { shown.push_back(m); });
    later.set_hold_limit(std::chrono::milliseconds(0));
    later.handle(dm_from("alice", "a1502", 1502));
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_EQ(shown[0].missing_before, 0u);  // 1501 counted: no gap
}

}  // namespace
}  // namespace papo
