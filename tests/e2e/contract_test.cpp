// The wire is a public contract: what papo publishes validates against
// topics-schema/, and what a device hand-writes per the docs is accepted.
#include "chat_fixture.h"

#include <algorithm>
#include <fstream>

namespace papo::e2e {
namespace {

class contract : public chat_test {
protected:
    // A device publishing as `as` (its own account) with plain mosquitto_pub.
    command_result device_publish(const std::string& as, const std::string& topic, const std::string& payload) {
        return run_command(mqtt_tool("mosquitto_pub", as, as + "~pub", {"-q", "1", "-t", topic, "-m", payload}), 10);
    }

};

TEST_F(contract, EverythingPapoPublishesMatchesTheSchemas) {
    // An operator with papo-server's rights sees everything but the requests to papo-server
    // (they carry new passwords; only papo-server's own connection gets them).
    auto capture = start_subscriber("papo-server", "papo-server~capture",
                                    {"-v", "-t", "users/#", "-t", "topics/#", "-t", "presence/#", "-t", "registry/#",
                                     "-t", "server/#", "-t", "broker/#"});
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"queues", "add", "sensors"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "a DM"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "a post"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"read"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"who"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"topics"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"leave", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"queues", "ls"}).exit_code, 0);
    EXPECT_NE(admin({"users", "add", "alice"}).exit_code, 0);  // an error answer is in the contract too
    ASSERT_EQ(admin({"users", "rm", "carol"}).exit_code, 0);
    ASSERT_EQ(admin({"topics", "rm", "lobby"}).exit_code, 0);
    // Until each kind has been seen (queue snapshots are published every 100 ms).
    const std::vector<std::string> expected{"users/bob/inbox/alice ", "topics/lobby/alice ", "users/alice/receipts/bob ",
                                            "presence/bob ", "registry/users/bob ", "registry/topics/lobby ",
                                            "registry/queues/bob ", "server/v1/response/",
                                            "broker/epoch ", "server/v1/status "};
    wait_until([&] {
        const std::string so_far = received(*capture);
        return std::all_of(expected.begin(), expected.end(),
                           [&](const std::string& e) { return so_far.find(e) != std::string::npos; });
    });
    capture->stop();

    const std::string traffic = received(*capture);
    for (const auto& kind : expected)
        EXPECT_NE(traffic.find(kind), std::string::npos) << "no " << kind << " in the capture";
    EXPECT_EQ(traffic.find("server/v1/request/"), std::string::npos) << "an operator saw a request";
    EXPECT_EQ(traffic.find("password-of-"), std::string::npos) << "an operator saw a new user's password";
    const std::string file = state_dir_ + "/traffic.txt";
    std::ofstream(file) << traffic;
    auto check = run_command({"/usr/bin/python3", std::string(PAPO_SOURCE_DIR_DEFAULT) + "/tests/schema/validate.py",
                              "--traffic", file},
                             60);
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(contract, DeviceMessageWrittenWithMosquittoPubIsAccepted) {
    register_users({"bob"});
    ASSERT_EQ(admin({"users", "add", "sensor1"}).exit_code, 0);
    // Exactly the README's example.
    ASSERT_EQ(device_publish("sensor1", "users/bob/inbox/sensor1",
                             R"({"id":"sensor1-000001","text":"temperature 21.5 C","sent_at":"2026-11-24T10:00:00.000Z"})")
                  .exit_code,
              0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["from"], "sensor1");
    EXPECT_EQ(got[0]["text"], "temperature 21.5 C");
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(contract, ARedeliveredIdIsShownOnce) {
    register_users({"alice", "bob"});
    const std::string message = R"({"id":"same-id-1","text":"only once","sent_at":"2026-11-24T10:00:00.000Z"})";
    ASSERT_EQ(device_publish("alice", "users/bob/inbox/alice", message).exit_code, 0);
    ASSERT_EQ(device_publish("alice", "users/bob/inbox/alice", message).exit_code, 0);  // as a QoS 1 redelivery would
    EXPECT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 1u);
    ASSERT_EQ(device_publish("alice", "users/bob/inbox/alice", message).exit_code, 0);  // even in a later session
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
    EXPECT_EQ(settled_depth("bob", 0), 0);  // repeats are acknowledged, so the count still falls
}

TEST_F(contract, HandWrittenRequestGetsAnAnswer) {
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"users", "add", "sensor1"}).exit_code, 0);
    auto answer = start_subscriber("sensor1", "sensor1~sub", {"-C", "1", "-W", "30", "-t", "server/v1/response/sensor1/1"});
    ASSERT_EQ(run_command(mqtt_tool("mosquitto_pub", "sensor1", "sensor1~pub",
                               {"-q", "1", "-t", "server/v1/request/sensor1", "-m", R"({"command":"topics.ls"})", "-D",
                                "publish", "response-topic", "server/v1/response/sensor1/1", "-D", "publish",
                                "correlation-data", "42"}),
                          10)
                  .exit_code,
              0);
    EXPECT_EQ(answer->wait(), 0);
    auto reply = nlohmann::json::parse(received(*answer));
    EXPECT_TRUE(reply["ok"].get<bool>());
    ASSERT_EQ(reply["data"].size(), 1u);
    EXPECT_EQ(reply["data"][0]["name"], "lobby");
}

TEST_F(contract, MalformedPayloadsAreDroppedAndNothingElseIsLost) {
    register_users({"alice", "bob"});
    for (const std::string& bad : std::vector<std::string>{"not json", "{\"id\":1}", std::string(40, '[') + std::string(40, ']'), "\xff\xfe",
                                  "{\"text\":\"no id\"}"}) {
        ASSERT_EQ(device_publish("alice", "users/bob/inbox/alice", bad).exit_code, 0);
        ASSERT_EQ(device_publish("alice", "server/v1/request/alice", bad).exit_code, 0);
    }
    ASSERT_EQ(papo("alice", {"send", "bob", "the real one"}).exit_code, 0);
    auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), 1u) << read.out;
    EXPECT_EQ(got[0]["text"], "the real one");
    EXPECT_NE(read.err.find("malformed"), std::string::npos) << read.err;  // dropped with a log line
    EXPECT_EQ(admin({"users", "ls"}).exit_code, 0);                        // the server is still serving
    EXPECT_NE(server_->output().find("malformed"), std::string::npos);
}

}  // namespace
}  // namespace papo::e2e
