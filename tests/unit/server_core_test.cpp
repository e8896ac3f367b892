// papo-server's decisions, without a broker.
#include "papo/messages.h"
#include "papo/server_core.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

class server_decisions : public ::testing::Test {
protected:
    server_outcome ask(const std::string& from, const std::string& command, const std::string& name = "") {
        nlohmann::json request{{"command", command}};
        if (!name.empty()) request["name"] = name;
        return core.handle(from, request);
    }
    static bool ok(const server_outcome& o) { return o.response.value("ok", false); }
    static std::string why(const server_outcome& o) { return o.response.value("error", ""); }
    server_core core;
};

TEST_F(server_decisions, RegistrationCreatesTheQueueBeforeTheRegistryEntry) {
    auto o = ask("alice", "users.add", "alice");
    ASSERT_TRUE(ok(o)) << why(o);
    ASSERT_EQ(o.actions.size(), 2u);
    EXPECT_EQ(o.actions[0].type, server_action::kind::create_queue);
    EXPECT_EQ(o.actions[0].filters, std::vector<std::string>{"users/alice/inbox/+"});
    EXPECT_EQ(o.actions[1].type, server_action::kind::publish_retained);
    EXPECT_EQ(o.actions[1].topic, "registry/users/alice");
}

TEST_F(server_decisions, DuplicateNamesAreRefusedWhateverTheCase) {
    ASSERT_TRUE(ok(ask("alice", "users.add", "alice")));
    auto again = ask("papo-admin", "users.add", "ALICE");
    EXPECT_FALSE(ok(again));
    EXPECT_NE(why(again).find("taken"), std::string::npos);
    EXPECT_TRUE(again.actions.empty());
    EXPECT_FALSE(ok(ask("papo-admin", "queues.add", "Alice")));
}

TEST_F(server_decisions, InvalidOrForeignRegistrationsAreRefused) {
    EXPECT_NE(why(ask("papo-admin", "users.add", "a/b")).find("'/'"), std::string::npos);
    EXPECT_NE(why(ask("mallory", "users.add", "bob")).find("only register itself"), std::string::npos);
    EXPECT_NE(why(core.handle("x", {{"command", "users.add"}, {"name", 5}})).find("\"name\""), std::string::npos);
    EXPECT_NE(why(core.handle("x", nlohmann::json::array())).find("\"command\""), std::string::npos);
    EXPECT_NE(why(ask("x", "users.explode")).find("unknown command"), std::string::npos);
}

TEST_F(server_decisions, ManagerCommandsAreForTheManagerOnly) {
    for (const char* command : {"users.rm", "topics.add", "topics.rm", "queues.add", "queues.rm", "queues.ls", "queues.purge"})
        EXPECT_NE(why(ask("alice", command, "x")).find("papo-admin"), std::string::npos) << command;
}

TEST_F(server_decisions, QueueCountsFollowMessagesAndReceipts) {
    ASSERT_TRUE(ok(ask("alice", "users.add", "alice")));
    ASSERT_TRUE(ok(ask("bob", "users.add", "bob")));
    ASSERT_TRUE(ok(ask("carol", "users.add", "carol")));
    ASSERT_TRUE(ok(ask("papo-admin", "topics.add", "lobby")));
    ASSERT_TRUE(ok(ask("bob", "topics.join", "lobby")));
    ASSERT_TRUE(ok(ask("alice", "topics.join", "lobby")));
    core.on_direct_message("bob", "alice", "m1");
    core.on_direct_message("bob", "alice", "m1");  // a QoS 1 redelivery is not a second message
    core.on_direct_message("nobody", "alice", "m0");
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("bob"), 2u);
    EXPECT_EQ(core.depth("alice"), 0u);  // the sender of a post is not counted
    EXPECT_EQ(core.depth("carol"), 0u);  // not a member
    core.on_receipt("bob", {"m1", "m1", "unknown"});
    EXPECT_EQ(core.depth("bob"), 1u);
    core.on_receipt("bob", {"p1"});
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST_F(server_decisions, RemovingATopicStopsCountingAndClearsMemberships) {
    ASSERT_TRUE(ok(ask("bob", "users.add", "bob")));
    ASSERT_TRUE(ok(ask("papo-admin", "topics.add", "lobby")));
    ASSERT_TRUE(ok(ask("bob", "topics.join", "lobby")));
    auto removed = ask("papo-admin", "topics.rm", "lobby");
    ASSERT_TRUE(ok(removed));
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("bob"), 0u);
    EXPECT_TRUE(core.state().find_user("bob")->topics.empty());
    EXPECT_NE(why(ask("bob", "topics.join", "lobby")).find("no such topic"), std::string::npos);
}

TEST_F(server_decisions, PurgeIsRefusedWhileTheOwnerIsOnline) {
    ASSERT_TRUE(ok(ask("bob", "users.add", "bob")));
    core.on_direct_message("bob", "alice", "m1");
    core.on_presence("bob", true);
    EXPECT_NE(why(ask("papo-admin", "queues.purge", "bob")).find("online"), std::string::npos);
    core.on_presence("bob", false);
    auto purged = ask("papo-admin", "queues.purge", "bob");
    ASSERT_TRUE(ok(purged)) << why(purged);
    EXPECT_EQ(purged.response["data"]["purged"], 1);
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST_F(server_decisions, SnapshotsCoverOnlyChangedQueuesAndRestoreAfterRestart) {
    ASSERT_TRUE(ok(ask("bob", "users.add", "bob")));
    ASSERT_TRUE(ok(ask("carol", "users.add", "carol")));
    core.take_snapshots();
    core.on_direct_message("bob", "alice", "m1");
    auto snapshots = core.take_snapshots();
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_EQ(snapshots[0].topic, "registry/queues/bob");
    EXPECT_TRUE(core.take_snapshots().empty());

    server_core restarted;
    restarted.load_user(*core.state().find_user("bob"));
    restarted.load_queue(decode<queue_snapshot>(snapshots[0].payload, max_snapshot_bytes));
    EXPECT_EQ(restarted.depth("bob"), 1u);
    EXPECT_FALSE(restarted.handle("bob", {{"command", "users.add"}, {"name", "bob"}}).response["ok"].get<bool>());
}

TEST_F(server_decisions, RemovingAUserDeletesQueueRegistryAndPresence) {
    ASSERT_TRUE(ok(ask("bob", "users.add", "bob")));
    auto removed = ask("papo-admin", "users.rm", "bob");
    ASSERT_TRUE(ok(removed));
    ASSERT_EQ(removed.actions.size(), 4u);
    EXPECT_EQ(removed.actions[0].type, server_action::kind::delete_queue);
    for (std::size_t i = 1; i < 4; ++i) EXPECT_TRUE(removed.actions[i].payload.empty());
    EXPECT_FALSE(core.state().find_user("bob"));
    EXPECT_NE(why(ask("papo-admin", "queues.rm", "bob")).find("no such"), std::string::npos);
}

}  // namespace
}  // namespace papo
