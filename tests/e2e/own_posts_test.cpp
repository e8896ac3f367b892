// A post never comes back into its poster's own queue (issue 12, item 4). No Local
// spares only the connection that published it, and `papo post` publishes from a
// helper connection (`<name>~rpc-...`), a device from whatever connection it likes;
// papo_guard refuses the delivery of topics/<t>/<me> to every session of <me>.
#include "chat_fixture.h"

#include "papo/topics.h"

namespace papo::e2e {
namespace {

class own_posts : public chat_test {};

TEST_F(own_posts, APostDoesNotComeBackIntoThePostersQueueFromAnyConnection) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    // alice's queue session is offline; she posts from papo (a helper connection) and
    // from a device connection of hers; then bob posts a marker.
    ASSERT_EQ(papo("alice", {"post", "lobby", "from papo"}).exit_code, 0);
    {
        session device(login_options("alice", "alice~device"));
        device.connect();
        device.publish(topics::post("lobby", "alice"),
                       R"({"id":"dev-1","text":"from a device","sent_at":"2026-12-01T10:00:00.000Z"})");
    }
    ASSERT_EQ(papo("bob", {"post", "lobby", "marker"}).exit_code, 0);
    // alice's queue, read raw: everything up to bob's marker (the broker keeps a
    // session's queue in arrival order).
    session_options queue = login_options("alice", "alice");
    queue.persistent = true;
    queue.clean_start = false;
    session s(queue);
    s.connect();
    std::vector<std::string> seen;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
        const auto m = s.next(std::chrono::milliseconds(100));
        if (!m || m->connection_lost) continue;
        seen.push_back(m->topic + " " + m->payload);
        if (m->payload.find("marker") != std::string::npos) break;
    }
    ASSERT_FALSE(seen.empty()) << "bob's marker never came";
    EXPECT_NE(seen.back().find("marker"), std::string::npos);
    for (const auto& line : seen) EXPECT_EQ(line.find("topics/lobby/alice"), std::string::npos) << line;
    // bob got both of alice's posts.
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "from papo");
    EXPECT_EQ(got[1]["text"], "from a device");
}

}  // namespace
}  // namespace papo::e2e
