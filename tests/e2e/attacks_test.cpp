// What a registered user must not be able to do with raw MQTT, against the project's
// own broker configuration (SECURITY.md).
#include "chat_fixture.h"

#include "papo/error.h"
#include "papo/topics.h"

#include <optional>

namespace papo::e2e {
namespace {

class attacks : public chat_test {};

// papo-server publishes its answers with its own, privileged login: if it answered on
// any Response Topic, a user could make it write into others' inboxes, topics, the
// registry or $SYS (where the broker drops the publisher).
TEST_F(attacks, PapoServerAnswersOnlyOnTheAskersOwnResponseTopic) {
    register_users({"mallory", "bob", "alice"});
    session watcher(login_options("papo-server", "test-watcher"));  // sees the whole tree
    watcher.connect();
    watcher.subscribe({"users/#", "topics/#", "registry/users/alice", "presence/#", "server/v1/response/bob/#"}, 1);

    session mallory(login_options("mallory", "mallory~attack"));
    mallory.connect();
    const std::string own = topics::response("mallory", "ok");
    mallory.subscribe({own}, 1);
    const std::vector<std::string> elsewhere{"users/bob/inbox/alice", "topics/lobby/alice", "registry/users/alice",
                                             "presence/alice", "server/v1/response/bob/1", "$SYS/a", "$SYS/b",
                                             "$SYS/c", "$SYS/d", "$SYS/e"};
    for (const auto& topic : elsewhere) {
        publish_options forged;
        forged.response_topic = topic;
        forged.correlation_data = "forged";
        mallory.publish(topics::request("mallory"), R"({"command":"users.ls"})", forged);
    }
    publish_options honest;
    honest.response_topic = own;
    honest.correlation_data = "honest";
    mallory.publish(topics::request("mallory"), R"({"command":"users.ls"})", honest);
    // Requests are answered in order: once the honest one is, the others were dealt with.
    std::optional<inbound> answer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!answer && std::chrono::steady_clock::now() < deadline) answer = mallory.next(std::chrono::milliseconds(200));
    ASSERT_TRUE(answer && !answer->connection_lost) << "papo-server stopped answering";
    EXPECT_EQ(answer->correlation_data, "honest");
    EXPECT_EQ(nlohmann::json::parse(answer->payload)["ok"], true);

    while (auto leaked = watcher.next(std::chrono::milliseconds(300)))
        if (!leaked->retained)  // what was there before (the registry, presence) comes on subscribe
            ADD_FAILURE() << "papo-server published on " << leaked->topic << ": " << leaked->payload;
    // And it still serves everyone, after the $SYS ones too.
    EXPECT_EQ(papo("bob", {"who"}).exit_code, 0);
}

// The manager cannot be tricked into creating a name that shows as another one.
TEST_F(attacks, LookAlikeAndInvisibleNamesAreRefused) {
    register_users({"alice"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    const std::vector<std::pair<std::string, std::string>> cases{
        {"\u0430lice", "name-taken"},                       // Cyrillic а
        {"\uFF41\uFF4C\uFF49\uFF43\uFF45", "name-taken"},  // fullwidth
        {"alice\u200D", "invalid-name"},  {"alice\u2060", "invalid-name"}, {"ali\u00ADce", "invalid-name"},
        {"\u202Eecila", "invalid-name"},   {"\u3164", "invalid-name"},      {"papo\u2010admin", "invalid-name"},
        {"p\u0430ypal", "invalid-name"},   {"jose\u0301", "invalid-name"},
    };
    for (const auto& [name, code] : cases) {
        const auto refused = admin({"--json", "--new-password-file", password_file("alice"), "users", "add", name});
        EXPECT_EQ(refused.exit_code, 1) << name;
        EXPECT_EQ(nlohmann::json::parse(refused.out).value("code", ""), code) << name << ": " << refused.out;
    }
    EXPECT_EQ(admin({"--json", "topics", "add", "L0BBY"}).exit_code, 1);
    const auto users = nlohmann::json::parse(admin({"--json", "users", "ls"}).out);
    EXPECT_EQ(users.size(), 1u) << users.dump();
}

// A named queue's account reads its queue and confirms it; it is no user: no DMs, no
// posts, no joining (SECURITY.md).
TEST_F(attacks, ANamedQueuesAccountOnlyReadsItsOwnQueue) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(admin({"--new-password-file", password_file("sensors"), "queues", "add", "sensors"}).exit_code, 0);
    for (const std::string topic : {"users/bob/inbox/sensors", "topics/lobby/sensors"}) {
        session sensors(login_options("sensors", "sensors~try"));
        sensors.connect();
        try {
            sensors.publish(topic, R"({"id":"s-1","text":"hi","sent_at":"2026-12-01T10:00:00.000Z"})");
            ADD_FAILURE() << "the named queue published on " << topic;
        } catch (const ::papo::error& refused) {
            EXPECT_EQ(refused.reason_code(), 0x87) << topic << ": " << refused.what();
        }
    }
    EXPECT_EQ(papo("sensors", {"join", "lobby"}).exit_code, 1);  // papo-server refuses it too (unit tested)
    const auto members = nlohmann::json::parse(papo("bob", {"--json", "topics"}).out);
    EXPECT_EQ(members.at(0).value("members", 0), 1) << members.dump();
    // What it is for still works: alice's DMs wait in it, it reads and confirms them.
    ASSERT_EQ(papo("alice", {"send", "sensors", "reading 1"}).exit_code, 0);
    const auto got = messages_in(papo("sensors", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(settled_depth("sensors", 0), 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());  // nothing reached bob
}

// 62,000 DMs with long ids once pushed the retained count snapshot of bob's queue past
// the broker's 4 MiB packet limit: the broker dropped papo-server at every republish.
// The broker's publish rate is off here, to reach papo-server with the whole flood.
class attacks_unlimited : public attacks {
protected:
    attacks_unlimited() { bulk(); }
};

TEST_F(attacks_unlimited, AFloodOfDmsCannotStopPapoServer) {
    register_users({"mallory", "bob"});
    session mallory(login_options("mallory", "mallory~flood"));
    mallory.connect();
    constexpr int flood = 62000;
    const std::string padding(40, 'x');
    for (int i = 0; i < flood; ++i) {
        const std::string id = "m" + std::to_string(1000000 + i) + padding + std::string(15, 'y');  // 64 bytes
        mallory.publish_async(topics::inbox("bob", "mallory"),
                              R"({"id":")" + id + R"(","text":".","sent_at":"2026-12-01T10:00:00.000Z"})");
    }
    mallory.flush();
    EXPECT_EQ(settled_depth("bob", flood), flood);
    EXPECT_TRUE(server_->running()) << server_->output();
    EXPECT_EQ(server_->output().find("lost the broker"), std::string::npos) << server_->output();
    EXPECT_EQ(papo("bob", {"who"}).exit_code, 0);
}

// A member who guessed alice's next message id and DMed bob under it first made bob's
// papo drop alice's real DM as a repeat and confirm it to her. Ids are repeats only
// among one sender's messages, and a receipt confirms only the reader's own copy.
TEST_F(attacks, AnIdUsedFirstBySomeoneElseDoesNotSuppressTheRealMessage) {
    register_users({"mallory", "alice", "bob"});
    const std::string id = "0123456789abcdef0123456789abcdef";
    const std::string dm = R"({"id":")" + id + R"(","text":"TEXT","sent_at":"2026-12-01T10:00:00.000Z"})";
    for (const std::string sender : {"mallory", "alice"}) {
        session device(login_options(sender, sender + "~device"));
        device.connect();
        std::string payload = dm;
        payload.replace(payload.find("TEXT"), 4, "from " + sender);
        device.publish(topics::inbox("bob", sender), payload);
        device.disconnect();
    }
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["from"], "mallory");
    EXPECT_EQ(got[1]["from"], "alice");
    EXPECT_EQ(got[1]["text"], "from alice");
}

}  // namespace
}  // namespace papo::e2e
