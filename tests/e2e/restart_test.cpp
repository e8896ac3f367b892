// papo-server and the broker restart without losing registry, counts or queued messages.
#include "chat_fixture.h"

#include <thread>

namespace papo::e2e {
namespace {

class restarts : public chat_test {};

TEST_F(restarts, ServerRestartKeepsRegistryAndCounts) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "before restart"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    stop_server();
    // Traffic while the server is down still counts: it waits in the server's own session.
    auto publish = mqtt_login("alice", "alice~pub");
    publish.insert(publish.begin(), "mosquitto_pub");
    publish.insert(publish.end(), {"-q", "1", "-t", "topics/lobby/alice", "-m",
                                   R"({"id":"while-down-1","text":"posted while the server was down","sent_at":"2026-11-24T10:00:00.000Z"})"});
    ASSERT_EQ(run_command(publish, 10).exit_code, 0);
    start_server();
    EXPECT_EQ(settled_depth("bob", 2), 2);
    EXPECT_EQ(admin({"users", "add", "alice"}).exit_code, 1);  // still known after the restart
    auto topics = admin({"--json", "topics", "ls"});
    ASSERT_EQ(nlohmann::json::parse(topics.out).size(), 1u);
    EXPECT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 2u);
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(restarts, BrokerCleanRestartKeepsQueuedMessagesAndRegistry) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "survives a broker restart"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    stop_server();
    broker_->stop();
    broker_->start();
    start_server();
    EXPECT_EQ(settled_depth("bob", 1), 1);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "survives a broker restart");
}

TEST_F(restarts, BrokerKilledRightAfterRegistrationsLosesNoUserAndNoMessage) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    broker_->kill();  // nothing of this was saved yet (autosave every 60 s)
    broker_->start();
    // papo-server reconnects and publishes the registry again from its memory.
    nlohmann::json users;
    for (int i = 0; i < 100; ++i) {
        const auto listed = admin({"--json", "users", "ls"});
        if (listed.exit_code == 0) users = nlohmann::json::parse(listed.out);
        if (users.size() == 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(users.size(), 2u);
    auto registry = run_command(mqtt_tool("mosquitto_sub", "papo-server", "papo-server~check",
                                          {"-v", "-W", "2", "-t", "registry/#"}),
                                10);
    EXPECT_NE(registry.out.find("registry/users/bob {"), std::string::npos) << registry.out;
    EXPECT_NE(registry.out.find("registry/topics/lobby {"), std::string::npos) << registry.out;
    // bob's queue session was lost too: what alice sends before bob comes back waits in
    // her outbox; bob's next login makes his session again; alice's next papo resends.
    ASSERT_EQ(papo("alice", {"send", "bob", "into the void?"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "to the lobby"}).exit_code, 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "who"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "into the void?");
    EXPECT_EQ(got[1]["text"], "to the lobby");
}

}  // namespace
}  // namespace papo::e2e
