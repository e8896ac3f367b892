// Attacks against the project's real broker configuration (accounts in dynsec,
// papo_guard): each asserts that the attack failed and the victim's data is intact.
#include "chat_fixture.h"

#include "papo/credentials.h"
#include "papo/messages.h"
#include "papo/session.h"
#include "papo/topics.h"


namespace papo::e2e {
namespace {

class security : public chat_test {
protected:
    // A subscriber logged in as `user` that collects for `seconds` whatever the filters
    // deliver; returned once subscribed (received() is what it got).
    std::unique_ptr<background_process> listen(const std::string& user, const std::string& client_id,
                                               const std::vector<std::string>& filters, int seconds = 4) {
        std::vector<std::string> rest{"-v", "-W", std::to_string(seconds)};
        for (const auto& filter : filters) rest.insert(rest.end(), {"-t", filter});
        return start_subscriber(user, client_id, rest);
    }
    command_result publish(const std::string& user, const std::string& client_id, const std::string& topic,
                           const std::string& payload, bool retained = false) {
        std::vector<std::string> rest{"-q", "1", "-t", topic, "-m", payload};
        if (retained) rest.push_back("-r");
        return run_command(mqtt_tool("mosquitto_pub", user, client_id, rest), 10);
    }
    static std::string dm(const std::string& id, const std::string& text) {
        return R"({"id":")" + id + R"(","text":")" + text + R"(","sent_at":"2026-11-26T10:00:00.000Z"})";
    }
    std::vector<nlohmann::json> read_all(const std::string& user) {
        auto read = papo(user, {"read", "--json"});
        EXPECT_EQ(read.exit_code, 0) << read.err;
        return messages_in(read.out);
    }
};

TEST_F(security, ConnectingWithoutOrWithAWrongPasswordFails) {
    register_users({"alice"});
    const std::string port = std::to_string(broker_->port());
    auto anonymous = run_command({"mosquitto_pub", "-V", "5", "-p", port, "-i", "anon", "-t", "users/alice/inbox/x",
                                  "-m", dm("a1", "anonymous")}, 10);
    EXPECT_NE(anonymous.exit_code, 0);
    auto wrong = run_command({"mosquitto_pub", "-V", "5", "-p", port, "-u", "alice", "-P", "not-her-password", "-i",
                              "alice~x", "-t", "users/alice/inbox/alice", "-m", dm("a2", "wrong password")}, 10);
    EXPECT_NE(wrong.exit_code, 0);
    EXPECT_NE(wrong.err.find("Not authorized"), std::string::npos) << wrong.err;

    const std::string bad_file = state_dir_ + "/wrong.password";
    papo::write_secret_file(bad_file, "not-her-password");
    auto papo_wrong = run_command({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir",
                                   state_dir_, "--user", "alice", "--password-file", bad_file, "read"}, 10);
    EXPECT_EQ(papo_wrong.exit_code, 1);
    EXPECT_NE(papo_wrong.err.find("refused the login"), std::string::npos) << papo_wrong.err;

    auto no_password = run_command({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir",
                                    state_dir_, "--user", "alice", "read"}, 10);
    EXPECT_NE(no_password.exit_code, 0);
    EXPECT_NE(no_password.err.find("no password"), std::string::npos) << no_password.err;
    EXPECT_TRUE(read_all("alice").empty());  // nothing got in
}

TEST_F(security, PasswordFilesReadableByOthersAreRefused) {
    register_users({"alice"});
    const std::string file = password_file("alice");
    ASSERT_EQ(run_command({"chmod", "644", file}, 5).exit_code, 0);
    auto result = papo("alice", {"read"});
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find("chmod 600"), std::string::npos) << result.err;
}

TEST_F(security, NoSubscriptionReadsSomeoneElsesMessages) {
    register_users({"alice", "bob", "carol"});
    std::vector<std::unique_ptr<background_process>> snoops;
    for (const char* filter : {"users/#", "#", "users/alice/inbox/+", "users/+/inbox/+", "+/alice/#", "$SYS/#",
                               "$CONTROL/#", "server/#", "server/v1/response/alice/#", "registry/queues/+"})
        snoops.push_back(listen("bob", "bob~snoop" + std::to_string(snoops.size()), {filter}));
    ASSERT_EQ(papo("carol", {"send", "alice", "for alice only"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"who"}).exit_code, 0);  // a request and response of alice's
    for (auto& snoop : snoops) {
        snoop->wait();
        EXPECT_EQ(received(*snoop).find("for alice only"), std::string::npos) << snoop->output();
        EXPECT_EQ(received(*snoop).find("alice"), std::string::npos) << snoop->output();
    }
    const auto got = read_all("alice");  // the victim still has her message
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "for alice only");
    EXPECT_EQ(got[0]["from"], "carol");
}

TEST_F(security, NobodyCanSendAsSomeoneElse) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    // An operator's view of everything the broker routes.
    auto routed = listen("papo-server", "papo-server~watch", {"users/#", "topics/#"}, 3);
    // carol writes alice's name into the topic and the JSON, as a DM and as a post.
    publish("carol", "carol~pub", "users/bob/inbox/alice", dm("forged-1", "I am alice"));
    publish("carol", "carol~pub", "topics/lobby/alice", dm("forged-2", "alice posting"));
    publish("carol", "carol~pub", "users/bob/inbox/carol",
            R"({"id":"forged-3","text":"from field says alice","from":"alice","sent_at":"2026-11-26T10:00:00.000Z"})");
    const auto got = read_all("bob");
    for (const auto& m : got) EXPECT_NE(m["from"], "alice") << m.dump();
    for (const auto& m : got) EXPECT_NE(m["text"], "I am alice") << m.dump();
    for (const auto& m : got) EXPECT_NE(m["text"], "alice posting") << m.dump();
    // What did arrive is shown under the name carol logged in with.
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["from"], "carol");
    routed->wait();  // the broker refused them outright: they went nowhere
    EXPECT_EQ(received(*routed).find("I am alice"), std::string::npos) << routed->output();
    EXPECT_EQ(received(*routed).find("alice posting"), std::string::npos) << routed->output();
}

TEST_F(security, RetainedWritesToTheRegistryAndOthersPresenceAreRefused) {
    register_users({"alice", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    const std::string junk = R"({"name":"alice","kind":"queue","created_at":"2000-01-01T00:00:00.000Z","topics":[]})";
    for (const char* topic : {"registry/users/alice", "registry/users/mallory", "registry/topics/lobby",
                              "registry/queues/alice", "presence/alice", "server/v1/response/alice/1"})
        publish("carol", "carol~pub", topic, junk, /*retained=*/true);
    publish("carol", "carol~pub", "registry/topics/lobby", "", /*retained=*/true);  // an attempted delete
    // The registry as papo-server reads it after a restart is unchanged.
    stop_server();
    start_server();
    auto users = nlohmann::json::parse(admin({"--json", "users", "ls"}).out);
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(users[0]["name"], "alice");
    EXPECT_EQ(nlohmann::json::parse(admin({"--json", "topics", "ls"}).out).size(), 1u);
    auto registry = run_command(mqtt_tool("mosquitto_sub", "papo-server", "papo-server~check",
                                          {"-v", "-W", "2", "-t", "registry/#", "-t", "presence/#"}),
                                10);
    EXPECT_EQ(registry.out.find("2000-01-01"), std::string::npos) << registry.out;
    EXPECT_EQ(registry.out.find("mallory"), std::string::npos) << registry.out;
    EXPECT_NE(registry.out.find("registry/topics/lobby {"), std::string::npos) << registry.out;
}

TEST_F(security, NobodyTakesOverAnotherUsersSession) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(papo("alice", {"send", "bob", "waiting for bob"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    // carol, with her own valid password, tries bob's client ids, resuming and wiping (clean start).
    for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{{"-c"}, {}}) {
        for (const char* id : {"bob", "bob~reader"}) {
            auto rest = extra;
            rest.insert(rest.end(), {"-W", "2", "-t", "users/bob/inbox/+"});
            auto attempt = run_command(mqtt_tool("mosquitto_sub", "carol", id, rest), 10);
            EXPECT_NE(attempt.exit_code, 0) << id;
            EXPECT_NE(attempt.err.find("Not authorized"), std::string::npos) << attempt.err;
        }
    }
    EXPECT_NE(broker_->log_text().find("papo_guard: refused client id 'bob' for user 'carol'"), std::string::npos);
    const auto got = read_all("bob");  // bob's queue is intact and his
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "waiting for bob");
}

TEST_F(security, RemovingATopicRevokesPostingAndUnknownTopicsTakeNothing) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "while it exists"}).exit_code, 0);
    ASSERT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 0);
    auto routed = listen("papo-server", "papo-server~watch", {"topics/#"}, 3);
    publish("alice", "alice~pub", "topics/lobby/alice", dm("late-1", "after removal"));
    publish("alice", "alice~pub", "topics/never-made/alice", dm("late-2", "no such topic"));
    auto post = papo("alice", {"post", "lobby", "through papo"});
    EXPECT_NE(post.exit_code, 0);
    const auto got = read_all("bob");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "while it exists");
    routed->wait();
    EXPECT_EQ(received(*routed).find("after removal"), std::string::npos) << routed->output();
    EXPECT_EQ(received(*routed).find("no such topic"), std::string::npos) << routed->output();
}

TEST_F(security, RemovingAUserRevokesItsAccountOnlineOrOffline) {
    register_users({"alice", "bob", "carol"});
    auto reader = start_reader("bob", 30);
    ASSERT_TRUE(wait_until_online("bob")) << reader->output();
    ASSERT_EQ(admin({"users", "rm", "bob"}).exit_code, 0);
    ASSERT_EQ(admin({"users", "rm", "carol"}).exit_code, 0);  // carol is offline
    // dynsec disconnects bob's live connections; he cannot come back, nor can carol.
    EXPECT_TRUE(reader->wait_for(std::chrono::seconds(25)).has_value()) << "bob's reader kept its connection";
    for (const char* user : {"bob", "carol"}) {
        auto again = papo(user, {"read"});
        EXPECT_NE(again.exit_code, 0) << user;
        EXPECT_NE(again.err.find("refused the login"), std::string::npos) << again.err;
    }
    EXPECT_EQ(papo("alice", {"who"}).exit_code, 0);  // everybody else carries on
}

// papo-server itself under a flood, with the broker's request rate off (the rate
// limit is tested in limits_test).
class security_unlimited : public security {
protected:
    security_unlimited() { bulk(); }
};

TEST_F(security_unlimited, AFloodOfRequestsAndAnOversizedPublishLoseNothing) {
    register_users({"alice", "bob"});
    ASSERT_EQ(papo("alice", {"send", "bob", "queued before the flood"}).exit_code, 0);
    const session_options options = login_options("alice", "alice~flood");
    {
        session flood(options);
        flood.connect();
        // 3,000 requests, good and bad, as fast as the connection takes them.
        for (int i = 0; i < 3000; ++i)
            flood.publish_async(topics::request("alice"), i % 2 ? R"({"command":"users.ls"})" : "{not json");
        flood.flush();
        // Larger than the broker's max_packet_size (4 MiB): the broker drops the connection.
        EXPECT_ANY_THROW({
            flood.publish(topics::inbox("bob", "alice"), std::string(5 * 1024 * 1024, 'x'));
            flood.flush();
        });
    }
    // papo-server is still up and answering, and bob's queue holds exactly what was sent.
    auto who = papo("alice", {"who"}, 60);
    EXPECT_EQ(who.exit_code, 0) << who.err;
    EXPECT_TRUE(server_->running());
    const auto got = read_all("bob");
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "queued before the flood");
}

}  // namespace
}  // namespace papo::e2e
