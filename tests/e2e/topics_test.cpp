// Topics: the manager adds and removes them; users join, leave and post; every
// member gets every post, offline members when they come back.
#include "chat_fixture.h"

namespace papo::e2e {
namespace {

class topics : public chat_test {};

TEST_F(topics, ManagerAddsListsAndRemovesTopics) {
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    auto duplicate = admin({"topics", "add", "Lobby"});
    EXPECT_EQ(duplicate.exit_code, 1);
    EXPECT_NE(duplicate.err.find("exists"), std::string::npos) << duplicate.err;
    auto listed = admin({"--json", "topics", "ls"});
    ASSERT_EQ(listed.exit_code, 0);
    ASSERT_EQ(nlohmann::json::parse(listed.out).size(), 1u);
    ASSERT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 0);
    EXPECT_TRUE(nlohmann::json::parse(admin({"--json", "topics", "ls"}).out).empty());
    EXPECT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 1);
}

TEST_F(topics, PostReachesEveryMemberOnlineOrOffline) {
    register_users({"alice", "bob", "carol", "dave"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob", "carol"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    auto online_bob = start_reader("bob", 4);
    ASSERT_TRUE(wait_until_online("bob")) << online_bob->output();
    ASSERT_EQ(papo("alice", {"post", "lobby", "hello members"}).exit_code, 0);
    online_bob->wait();
    auto bob_got = messages_in(online_bob->output());
    ASSERT_EQ(bob_got.size(), 1u) << online_bob->output();
    EXPECT_EQ(bob_got[0]["topic"], "lobby");
    EXPECT_EQ(bob_got[0]["from"], "alice");
    // carol was offline: it waited in her queue. dave is no member; alice is the sender.
    EXPECT_EQ(settled_depth("carol", 1), 1);
    EXPECT_EQ(queue_depth("dave"), 0);
    EXPECT_EQ(queue_depth("alice"), 0);
    auto carol_got = messages_in(papo("carol", {"read", "--json"}).out);
    ASSERT_EQ(carol_got.size(), 1u);
    EXPECT_EQ(carol_got[0]["text"], "hello members");
    EXPECT_TRUE(messages_in(papo("dave", {"read", "--json"}).out).empty());
    EXPECT_TRUE(messages_in(papo("alice", {"read", "--json"}).out).empty());
}

TEST_F(topics, LeavingStopsDeliveryAndJoiningUnknownTopicFails) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    auto unknown = papo("bob", {"join", "nowhere"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("no such topic"), std::string::npos) << unknown.err;
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "one"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"leave", "lobby"}).exit_code, 0);
    auto again = papo("bob", {"leave", "lobby"});  // leaving twice is harmless and says so
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("you were not in #lobby"), std::string::npos) << again.out;
    ASSERT_EQ(papo("alice", {"post", "lobby", "two"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "one");
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(topics, PostingToARemovedTopicFailsClearly) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 0);
    auto post = papo("alice", {"post", "lobby", "anyone?"});
    EXPECT_EQ(post.exit_code, 1);
    EXPECT_NE(post.err.find("no such topic: 'lobby'"), std::string::npos) << post.err;
    EXPECT_EQ(queue_depth("bob"), 0);
}

}  // namespace
}  // namespace papo::e2e
