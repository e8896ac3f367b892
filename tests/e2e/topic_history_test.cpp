// Topic history (issue 12, item 7): papo-server keeps the last --history posts of each
// topic in its message store and answers topics.history to members only; `papo join`
// shows them marked as history, and they are not new messages for the joiner.
#include "chat_fixture.h"

#include "papo/error.h"
#include "papo/requests.h"
#include "papo/rpc.h"

namespace papo::e2e {
namespace {

class topic_history : public chat_test {
protected:
    topic_history() { server_options_ = {"--history", "3"}; }

    static std::vector<nlohmann::json> of_kind(const std::string& json_lines, const std::string& kind) {
        std::vector<nlohmann::json> out;
        std::istringstream lines(json_lines);
        for (std::string line; std::getline(lines, line);) {
            const auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.value("kind", "") == kind) out.push_back(j);
        }
        return out;
    }
};

TEST_F(topic_history, AJoinerSeesTheLastPostsMarkedAsHistoryAndNotAsNew) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (const char* member : {"alice", "bob"}) ASSERT_EQ(papo(member, {"join", "lobby"}).exit_code, 0);
    for (int i = 0; i < 5; ++i) ASSERT_EQ(papo("alice", {"post", "lobby", "post " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(messages_in(papo("bob", {"read", "--json"}).out).size(), 5u);  // confirmed: history keeps them anyway
    ASSERT_EQ(settled_depth("bob", 0), 0);

    const auto joined = papo("carol", {"--json", "join", "lobby"});
    ASSERT_EQ(joined.exit_code, 0) << joined.err;
    const auto history = of_kind(joined.out, "history");
    ASSERT_EQ(history.size(), 3u) << joined.out;  // --history 3: the newest three, oldest first
    for (std::size_t i = 0; i < history.size(); ++i) {
        EXPECT_EQ(history[i]["text"], "post " + std::to_string(i + 2));
        EXPECT_EQ(history[i]["from"], "alice");
        EXPECT_EQ(history[i]["topic"], "lobby");
    }
    const auto people = papo("carol", {"join", "lobby"});
    EXPECT_NE(people.out.find("post 4  (history)"), std::string::npos) << people.out;
    EXPECT_TRUE(messages_in(papo("carol", {"read", "--json"}).out).empty());  // nothing new for carol
    EXPECT_EQ(queue_depth("carol"), 0);
}

TEST_F(topic_history, OnlyMembersReadATopicsHistory) {
    register_users({"alice", "mallory"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "members only"}).exit_code, 0);
    rpc_client mallory(login_options("mallory", "mallory~rpc-test"), "mallory");
    try {
        mallory.ask(requests::topics_history{"lobby", std::nullopt});
        ADD_FAILURE() << "a non-member read the history";
    } catch (const ::papo::error& e) {
        EXPECT_EQ(e.kind(), error_kind::forbidden) << e.what();
    }
    rpc_client alice(login_options("alice", "alice~rpc-test"), "alice");
    const auto answer = alice.ask(requests::topics_history{"lobby", 10});
    ASSERT_EQ(answer.posts.size(), 1u);
    EXPECT_EQ(answer.posts[0].message.text, "members only");
    EXPECT_THROW(alice.ask(requests::topics_history{"lobby", 0}), ::papo::error);  // limit is 1 to 1000
}

TEST_F(topic_history, TheHistorySurvivesAPapoServerRestart) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"post", "lobby", "before the restart"}).exit_code, 0);
    server_->kill();
    start_server();
    const auto joined = papo("bob", {"--json", "join", "lobby"});
    const auto history = of_kind(joined.out, "history");
    ASSERT_EQ(history.size(), 1u) << joined.out << joined.err;
    EXPECT_EQ(history[0]["text"], "before the restart");
}

}  // namespace
}  // namespace papo::e2e
