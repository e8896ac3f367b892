// papo-server and the broker restart without losing registry, counts or queued messages.
#include "chat_fixture.h"

#include "papo/credentials.h"

#include <algorithm>
#include <filesystem>
#include <thread>

namespace papo::e2e {
namespace {

class restarts : public chat_test {
protected:
    // A power loss: papo-server and the broker SIGKILLed at once; then both started again
    // (papo-server with the same state folder).
    void kill_both_and_restart() {
        server_->kill();
        broker_->kill();
        broker_->start();
        start_server();
    }
};

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
    // bob's queue session was lost too, and papo-server made it again at the new broker
    // epoch: what alice sends now waits in it, without bob or alice doing anything more.
    ASSERT_TRUE(wait_until([&] { return server_->output().find("after the broker restart: remade") != std::string::npos; }))
        << server_->output();
    ASSERT_EQ(papo("alice", {"send", "bob", "into the void?"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "to the lobby"}).exit_code, 0);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "into the void?");
    EXPECT_EQ(got[1]["text"], "to the lobby");
}

TEST_F(restarts, BrokerAndServerKilledTogetherLoseNoAnsweredRegistryChange) {
    // What the broker has saved (a clean stop writes its database): alice, bob, carol, and
    // a message waiting for bob.
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(papo("alice", {"send", "bob", "saved by the broker"}).exit_code, 0);
    stop_server();
    broker_->stop();
    broker_->start();
    start_server();
    // Then changes the broker has not saved (its autosave is every 60 s), all answered.
    register_users({"dave", "erin"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("dave", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"users", "rm", "carol"}).exit_code, 0);
    kill_both_and_restart();
    EXPECT_NE(server_->output().find("registry restored from"), std::string::npos) << server_->output();

    EXPECT_EQ(listed_users(), (std::vector<std::string>{"alice", "bob", "dave", "erin"}));
    auto registry = run_command(mqtt_tool("mosquitto_sub", "papo-server", "papo-server~check",
                                          {"-v", "-W", "2", "-t", "registry/#"}),
                                10);
    EXPECT_NE(registry.out.find("registry/users/erin {"), std::string::npos) << registry.out;
    EXPECT_NE(registry.out.find("registry/topics/lobby {"), std::string::npos) << registry.out;
    EXPECT_EQ(registry.out.find("registry/users/carol"), std::string::npos) << registry.out;
    // carol stays removed: her account is gone and her name is free again.
    const auto carol = papo("carol", {"read"});
    EXPECT_EQ(carol.exit_code, 1) << carol.out << carol.err;
    EXPECT_NE(carol.err.find("refused the login"), std::string::npos) << carol.err;
    auto topics = admin({"--json", "topics", "ls"});
    ASSERT_EQ(topics.exit_code, 0) << topics.err;
    const auto topic_rows = nlohmann::json::parse(topics.out);
    ASSERT_EQ(topic_rows.size(), 1u) << topics.out;
    EXPECT_EQ(topic_rows[0]["name"], "lobby");
    EXPECT_EQ(topic_rows[0]["members"], 1) << topics.out;  // dave

    // The new users' queues were made again: a DM to erin while she is offline waits for her.
    ASSERT_EQ(papo("alice", {"send", "erin", "while you were away"}).exit_code, 0);
    EXPECT_EQ(settled_depth("erin", 1), 1);
    auto got = messages_in(papo("erin", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "while you were away");
    // dave's queue follows lobby again.
    ASSERT_EQ(papo("erin", {"post", "lobby", "hello lobby"}).exit_code, 0);
    got = messages_in(papo("dave", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "hello lobby");
    // A queue the broker had saved was kept, not emptied.
    got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "saved by the broker");
}

TEST_F(restarts, WithoutASavedCopyTheServerTakesTheBrokersRegistryAndSavesIt) {
    register_users({"alice"});
    stop_server();
    remove_tree(server_state_dir());  // as after an upgrade, or with a new --state-dir
    start_server();
    EXPECT_NE(server_->output().find("no saved copy yet"), std::string::npos) << server_->output();
    EXPECT_TRUE(std::filesystem::exists(server_state_dir() + "/registry.jsonl"));
    EXPECT_EQ(listed_users(), std::vector<std::string>{"alice"});
    // From then on, the copy restores what a crash of both loses.
    register_users({"bob"});
    kill_both_and_restart();
    EXPECT_EQ(listed_users(), (std::vector<std::string>{"alice", "bob"}));
}

TEST_F(restarts, ASecondServerOnTheSameStateFolderIsRefused) {
    background_process second({env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", broker_->uri(),
                               "--password-file", broker_->password_file("papo-server"), "--state-dir",
                               server_state_dir()});
    const auto code = second.wait_for(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value()) << second.output();
    EXPECT_NE(*code, 0);
    EXPECT_NE(second.output().find("another papo-server uses the state folder"), std::string::npos) << second.output();
    EXPECT_EQ(listed_users(), std::vector<std::string>{});  // the first one still serves
}

TEST_F(restarts, TheServerWaitsWithBackoffForABrokerThatIsNotUpYet) {
    register_users({"alice"});
    stop_server();
    broker_->stop();
    launch_server();  // papo-server comes first, retries, and serves once the broker is up
    ASSERT_TRUE(server_->wait_for_output("trying again in")) << server_->output();
    broker_->start();
    wait_until_serving();
    EXPECT_EQ(listed_users(), std::vector<std::string>{"alice"});
}

TEST_F(restarts, TheServerStopsAtOnceWhenTheBrokerRefusesItsLogin) {
    stop_server();
    const std::string wrong = state_dir_ + "/wrong.password";
    write_secret_file(wrong, "not-the-password");
    const auto started = run_command({env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", broker_->uri(),
                                      "--password-file", wrong, "--state-dir", server_state_dir()},
                                     20);
    EXPECT_EQ(started.exit_code, 1);
    EXPECT_NE(started.err.find("refused the login"), std::string::npos) << started.err;
    EXPECT_EQ(started.err.find("trying again"), std::string::npos) << started.err;
}

}  // namespace
}  // namespace papo::e2e
