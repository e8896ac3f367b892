// A change papo-server cannot make on the broker is not made at all: the registry, in
// memory and in papo-server's state folder, stays as it was, and the same request
// works once the broker is willing again.
#include "chat_fixture.h"

namespace papo::e2e {
namespace {

class refused_changes : public chat_test {
protected:
    // Sends dynamic-security commands as papo-server would, and waits for the answer.
    nlohmann::json dynsec(const nlohmann::json& commands) {
        session control(login_options("papo-server", "test-dynsec"));
        control.connect();
        control.subscribe({"$CONTROL/dynamic-security/v1/response"}, 1);
        control.publish("$CONTROL/dynamic-security/v1", nlohmann::json{{"commands", commands}}.dump());
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline)
            if (auto answer = control.next(std::chrono::milliseconds(200)); answer && !answer->connection_lost)
                return nlohmann::json::parse(answer->payload);
        ADD_FAILURE() << "dynsec did not answer";
        return {};
    }
    nlohmann::json topic_list() { return nlohmann::json::parse(admin({"--json", "topics", "ls"}).out); }
};

TEST_F(refused_changes, ATopicWhoseRightsTheBrokerRefusesIsNotKept) {
    // Without the role users share, dynsec refuses to give it a topic's rights.
    const auto deleted = dynsec({{{"command", "deleteRole"}, {"rolename", "papo-user"}}});
    ASSERT_FALSE(deleted["responses"][0].contains("error")) << deleted.dump();

    const auto refused = admin({"--json", "topics", "add", "lobby"});
    EXPECT_EQ(refused.exit_code, 1);
    const auto answer = nlohmann::json::parse(refused.out);
    EXPECT_EQ(answer["code"], "broker-refused") << refused.out;
    EXPECT_NE(refused.err.find("did not carry out"), std::string::npos) << refused.err;
    EXPECT_TRUE(topic_list().empty()) << "kept in papo-server's memory";
    stop_server();
    start_server();
    EXPECT_TRUE(topic_list().empty()) << "kept in papo-server's state folder";

    // The broker is willing again: the same request just works.
    dynsec({{{"command", "createRole"}, {"rolename", "papo-user"}}});
    const auto added = admin({"topics", "add", "lobby"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    ASSERT_EQ(topic_list().size(), 1u);
}

}  // namespace
}  // namespace papo::e2e
