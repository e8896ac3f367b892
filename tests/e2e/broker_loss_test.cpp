// Accepted means delivered (issue 12): a broker SIGKILLed right after it acknowledged
// messages comes back from its last autosave without them and without the queue
// sessions made since. papo-server's message store has every message it saw routed to
// a queue; when papo_guard announces a new broker epoch, papo-server makes every queue
// session again and publishes what no reader confirmed. Nobody has to run papo again.
#include "chat_fixture.h"

#include "papo/error.h"
#include "papo/topics.h"

#include <fstream>
#include <map>

namespace papo::e2e {
namespace {

class broker_loss : public chat_test {
protected:
    broker_loss() { bulk(); }

    // Until papo-server's log says it published the unconfirmed messages again (bounded).
    bool wait_for_replay(std::size_t nth = 1) {
        return wait_until(
            [&] {
                const auto log = server_->output();
                std::size_t found = 0;
                for (auto at = log.find("after the broker restart: remade"); at != std::string::npos;
                     at = log.find("after the broker restart: remade", at + 1))
                    ++found;
                return found >= nth;
            },
            std::chrono::seconds(30));
    }

    // Publishes like a device: plain MQTT QoS `qos`, no outbox, never seen again.
    void device_sends(const std::string& user, const std::string& to, int count, int qos = 1) {
        session device(login_options(user, user + "~device"));
        device.connect();
        publish_options options;
        options.qos = qos;
        for (int i = 0; i < count; ++i)
            device.publish(::papo::topics::inbox(to, user),
                           nlohmann::json{{"id", "dev-" + std::to_string(i)},
                                          {"text", "reading " + std::to_string(i)},
                                          {"sent_at", "2026-12-02T10:00:00.000Z"}}
                               .dump(),
                           options);
        device.disconnect();
    }

    // Until papo-server counts `n` waiting for `queue` (the store has them).
    bool counted(const std::string& queue, int n) { return settled_depth(queue, n) == n; }
};

TEST_F(broker_loss, AHundredDmsTheBrokerLostReachTheirReaderOnceEachAndInOrder) {
    register_users({"alice", "bob"});
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(papo("alice", {"send", "bob", "dm " + std::to_string(i)}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 100));
    broker_->kill();  // before its first autosave: bob's queue session and the DMs are gone
    broker_->start();
    const auto back = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    EXPECT_LT(std::chrono::steady_clock::now() - back, std::chrono::seconds(10)) << server_->output();
    // alice runs nothing: the messages come from papo-server's store.
    const auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    const auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), 100u) << read.out << server_->output();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "dm " + std::to_string(i));
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(broker_loss, TheIssuesScenarioWithAlicesResendGivesBobEachDmOnce) {
    register_users({"alice", "bob"});
    for (int i = 0; i < 20; ++i)
        ASSERT_EQ(papo("alice", {"send", "bob", "dm " + std::to_string(i)}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 20));
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    ASSERT_EQ(papo("alice", {"--resend-after", "1", "read"}).exit_code, 0);
    const auto read = papo("bob", {"read", "--json", "--wait", "2"});
    const auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), 20u) << read.out;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "dm " + std::to_string(i));
}

TEST_F(broker_loss, ADevicesAcceptedDmSurvivesTwoBrokerKills) {
    register_users({"sensor", "bob"});
    device_sends("sensor", "bob", 10);
    ASSERT_TRUE(counted("bob", 10));
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay(1)) << server_->output();
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay(2)) << server_->output();
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 10u) << server_->output();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "reading " + std::to_string(i));
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(broker_loss, PostsTheBrokerLostReachEveryMemberOnce) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob", "carol"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(papo("alice", {"post", "lobby", "post " + std::to_string(i)}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 5));
    ASSERT_TRUE(counted("carol", 5));
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    for (const char* member : {"bob", "carol"}) {
        const auto got = messages_in(papo(member, {"read", "--json"}).out);
        ASSERT_EQ(got.size(), 5u) << member;
        for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "post " + std::to_string(i));
    }
    // Not to alice: her own posts never come back.
    EXPECT_TRUE(messages_in(papo("alice", {"read", "--json"}).out).empty());
}

TEST_F(broker_loss, WhatAReaderConfirmedIsNotPublishedAgain) {
    register_users({"alice", "bob"});
    for (int i = 0; i < 3; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "old " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 3u);
    ASSERT_EQ(settled_depth("bob", 0), 0);  // the receipts reached papo-server
    ASSERT_EQ(papo("alice", {"send", "bob", "new"}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 1));
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    EXPECT_NE(server_->output().find("published 1 unconfirmed message(s) again"), std::string::npos) << server_->output();
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "new");
}

TEST_F(broker_loss, CountsComeFromTheStoreAfterPapoServerIsKilled) {
    register_users({"alice", "bob"});
    for (int i = 0; i < 7; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "m" + std::to_string(i)}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 7));
    server_->kill();
    // The retained snapshot goes too: the counts must come from papo-server's own store.
    ASSERT_EQ(run_command(mqtt_tool("mosquitto_pub", "papo-server", "test-wipe",
                                    {"-t", ::papo::topics::registry_queue("bob"), "-r", "-n"}),
                          10)
                  .exit_code,
              0);
    start_server();
    EXPECT_EQ(settled_depth("bob", 7), 7);
    EXPECT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 7u);
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(broker_loss, AQos0DmToAnOfflineReaderIsKeptAndDelivered) {
    register_users({"sensor", "bob"});
    device_sends("sensor", "bob", 3, /*qos=*/0);  // many libraries' default
    ASSERT_TRUE(counted("bob", 3));
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 3u) << server_->output();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "reading " + std::to_string(i));
    EXPECT_EQ(settled_depth("bob", 0), 0);  // no phantom count
}

TEST_F(broker_loss, ACleanStartLoginOnTheQueuesClientIdIsRefusedAndTheQueueKept) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "waiting"}).exit_code, 0);
    ASSERT_TRUE(counted("bob", 1));
    // mosquitto_sub's default is a clean session, as with most device libraries.
    const auto clean = run_command(mqtt_tool("mosquitto_sub", "bob", "bob", {"-t", "users/bob/inbox/+", "-W", "3"}), 20);
    EXPECT_NE(clean.exit_code, 0);
    EXPECT_NE(clean.err.find("Not authorized"), std::string::npos) << clean.err;
    // A helper client id may start clean; the queue itself is untouched.
    const auto helper = run_command(mqtt_tool("mosquitto_sub", "bob", "bob~dev", {"-t", "users/bob/inbox/+", "-W", "1"}), 20);
    EXPECT_EQ(helper.err.find("Not authorized"), std::string::npos) << helper.err;
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "waiting");
}

TEST_F(broker_loss, TheReplayDoesNotTakeOverTheQueueOfAReaderWhoIsOnline) {
    register_users({"alice", "bob", "carol"});
    // carol waits through the crash; bob comes back only after it.
    auto carol = start_reader("carol", 60);
    ASSERT_TRUE(wait_until_online("carol")) << carol->output();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "b" + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "carol", "c0"}).exit_code, 0);
    ASSERT_TRUE(carol->wait_for_output("c0")) << carol->output();
    ASSERT_TRUE(counted("bob", 3));
    broker_->kill();
    ASSERT_TRUE(carol->wait_for_output("lost the broker; reconnecting")) << carol->output();
    broker_->start();
    ASSERT_TRUE(carol->wait_for_output("papo: reconnected")) << carol->output();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    // carol's reader kept her queue: nothing took it over, and it goes on receiving.
    ASSERT_EQ(papo("alice", {"send", "carol", "c1"}).exit_code, 0);
    ASSERT_TRUE(carol->wait_for_output("c1")) << carol->output() << server_->output();
    EXPECT_TRUE(carol->running()) << carol->output();
    EXPECT_EQ(carol->output().find("took over"), std::string::npos) << carol->output();
    carol->stop();
    EXPECT_EQ(messages_in(carol->output()).size(), 2u) << carol->output();  // c0 once (a replayed copy is dropped), c1
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 3u);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["text"], "b" + std::to_string(i));
}

TEST_F(broker_loss, WhatAKilledReaderTookFromTheBrokerComesAgainFromTheStore) {
    register_users({"sensor", "bob"});
    const int count = 2000;
    device_sends("sensor", "bob", count);  // no outbox will ever send these again
    ASSERT_TRUE(counted("bob", count));
    background_process first({test::env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir",
                              state_dir_, "--user", "bob", "--password-file", password_file("bob"), "read", "--json"});
    ASSERT_TRUE(wait_until([&] { return messages_in(first.output()).size() >= 300 || !first.running(); }));
    first.kill();  // it had taken more from the broker than it showed
    const auto before = messages_in(first.output());  // whole lines only
    ASSERT_LT(before.size(), static_cast<std::size_t>(count)) << "the kill came too late to test anything";
    const auto second = papo("bob", {"read", "--json"}, 120);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    std::map<std::string, int> shown;
    for (const auto& m : before) ++shown[m["text"].get<std::string>()];
    for (const auto& m : messages_in(second.out))
        if (!m.value("maybe_repeat", false) || !shown.count(m["text"].get<std::string>())) ++shown[m["text"].get<std::string>()];
    for (int i = 0; i < count; ++i) EXPECT_EQ(shown["reading " + std::to_string(i)], 1) << i << "\n" << server_->output();
    EXPECT_NE(server_->output().find("whose last reader had taken them from the broker"), std::string::npos);
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(broker_loss, AClientSendsItsOutboxAtOnceWhenTheBrokerRestarted) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"read"}).exit_code, 0);  // alice's papo has seen this broker start
    ASSERT_EQ(papo("alice", {"send", "bob", "hello"}).exit_code, 0);
    broker_->kill();
    broker_->start();
    ASSERT_TRUE(wait_for_replay()) << server_->output();
    // After papo-server's replay: only alice's own resend can show here now.
    auto watcher = start_subscriber("papo-server", "test-watcher", {"-v", "-t", ::papo::topics::inbox("bob", "alice")});
    // The default --resend-after is 30 s and the message is seconds old: only the new
    // broker epoch makes alice's read send it again.
    ASSERT_EQ(papo("alice", {"read"}).exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return received(*watcher).find("hello") != std::string::npos; }, std::chrono::seconds(10)))
        << received(*watcher);
}

}  // namespace
}  // namespace papo::e2e
