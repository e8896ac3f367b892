// What a registered user must not be able to do with raw MQTT, against the project's
// own broker configuration (SECURITY.md).
#include "chat_fixture.h"

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

}  // namespace
}  // namespace papo::e2e
