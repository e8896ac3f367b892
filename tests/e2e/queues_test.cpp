// Queues: counts per queue (exact across online/offline, DMs and posts), named
// queues, purge, and no silent drop past Mosquitto's default limit of 1000.
#include "chat_fixture.h"

#include "papo/messages.h"
#include "papo/session.h"
#include "papo/topics.h"

#include <thread>

namespace papo::e2e {
namespace {

// These tests load thousands of messages at once, past the per-account publish
// rate (limits are tested in guard_limits_test and limits_test).
class queues : public chat_test {
protected:
    queues() { bulk(); }
};

// The "done when" walkthrough.
TEST_F(queues, OfflineUserSeesExactlyHisThreeMessagesOnceAndQueueEmpties) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "first"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "second"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "third"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 3), 3);
    EXPECT_EQ(settled_depth("carol", 1), 1);
    auto table = admin({"queues", "ls"});
    EXPECT_NE(table.out.find("MESSAGES"), std::string::npos) << table.out;

    auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), 3u) << read.out;
    EXPECT_EQ(got[0]["text"], "first");
    EXPECT_EQ(got[1]["text"], "second");
    EXPECT_EQ(got[2]["text"], "third");
    EXPECT_EQ(got[2]["topic"], "lobby");
    EXPECT_EQ(settled_depth("bob", 0), 0);
    EXPECT_EQ(queue_depth("carol"), 1);
}

TEST_F(queues, NamedQueueIsAddedFilledDrainedAndRemoved) {
    register_users({"alice"});
    ASSERT_EQ(admin({"queues", "add", "sensors"}).exit_code, 0);
    auto clash = admin({"users", "add", "sensors"});
    EXPECT_EQ(clash.exit_code, 1);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(papo("alice", {"send", "sensors", "reading " + std::to_string(i)}).exit_code, 0);
    EXPECT_EQ(settled_depth("sensors", 3), 3);
    auto drained = messages_in(papo("sensors", {"read", "--json"}).out);
    EXPECT_EQ(drained.size(), 3u);
    EXPECT_EQ(settled_depth("sensors", 0), 0);
    auto wrong = admin({"queues", "rm", "alice"});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_NE(wrong.err.find("users rm"), std::string::npos) << wrong.err;
    ASSERT_EQ(admin({"queues", "rm", "sensors"}).exit_code, 0);
    EXPECT_EQ(queue_depth("sensors"), -1);
}

TEST_F(queues, PurgeDropsWaitingMessagesButKeepsTheQueue) {
    register_users({"alice", "bob"});
    for (int i = 0; i < 4; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "noise"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 4), 4);
    ASSERT_EQ(admin({"queues", "purge", "bob"}).exit_code, 0);
    EXPECT_EQ(queue_depth("bob"), 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
    ASSERT_EQ(papo("alice", {"send", "bob", "after purge"}).exit_code, 0);
    // Without holding back, the new one shows at once, noting the four that are gone
    // from the broker (alice's outbox still has them: they come again when her papo connects).
    auto got = messages_in(papo("bob", {"--hold", "0", "read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "after purge");
    EXPECT_EQ(got[0]["missing_before"], 4);
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    EXPECT_EQ(messages_in(papo("bob", {"--hold", "0", "read", "--json"}).out).size(), 4u);
}

// Mosquitto's default max_queued_messages (1000) would drop these silently, and
// acknowledging them all in one receipt would exceed the 64 KiB payload limit.
TEST_F(queues, ThousandsOfWaitingMessagesAreAllDeliveredAndCounted) {
    register_users({"alice", "bob"});
    const int count = 3000;
    {
        session_options options = login_options("alice", "alice~bulk");
        session alice(options);
        alice.connect();
        for (int i = 0; i < count; ++i)
            alice.publish_async(topics::inbox("bob", "alice"), encode(make_message("bulk " + std::to_string(i))));
        alice.flush();
    }
    EXPECT_EQ(settled_depth("bob", count), count);
    auto read = papo("bob", {"read", "--json"}, 60);
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) ASSERT_EQ(got[i]["text"], "bulk " + std::to_string(i));
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

// A broker with a small packet limit, and papo-server told so: an answer too large for
// one message is refused with a clear error, and papo-server goes on serving. (Sent,
// the broker would drop papo-server's connection and Paho would send it again at every
// reconnect: papo-server off the broker for good, found at 62,700 users.)
class small_packets : public chat_test {
protected:
    small_packets() {
        broker_lines_ = {"max_packet_size 4000"};
        server_options_ = {"--max-answer-bytes", "3000"};
    }
};

TEST_F(small_packets, AnAnswerTooLargeForOneMessageIsRefusedAndPapoServerGoesOnServing) {
    std::vector<std::string> names;
    for (int i = 0; i < 60; ++i) names.push_back("user-number-" + std::to_string(i));
    register_users(names);
    auto table = admin({"queues", "ls"});
    EXPECT_NE(table.exit_code, 0) << table.out;
    EXPECT_NE(table.err.find("more than the broker takes in one message (3000)"), std::string::npos) << table.err;
    // Still connected and serving: the next requests are answered at once.
    auto added = admin({"users", "add", "late-comer", "--new-password-file", password_file("late-comer")});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    auto topic = admin({"topics", "add", "lobby"});
    EXPECT_EQ(topic.exit_code, 0) << topic.err;
    EXPECT_NE(server_->output().find("refused to answer papo-admin's queues.ls"), std::string::npos);
}

}  // namespace
}  // namespace papo::e2e
