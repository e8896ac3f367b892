// The manager creates users, refusing duplicate names; every new user gets a queue.
#include "chat_fixture.h"

#include <future>

namespace papo::e2e {
namespace {

class users : public chat_test {};

TEST_F(users, ManagerCreatesUserAndRefusesDuplicateName) {
    auto created = admin({"users", "add", "alice"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    auto again = admin({"users", "add", "alice"});
    EXPECT_NE(again.exit_code, 0);
    EXPECT_NE(again.err.find("taken"), std::string::npos) << again.err;
    auto other_case = admin({"users", "add", "Alice"});
    EXPECT_NE(other_case.exit_code, 0);
    EXPECT_NE(other_case.err.find("taken"), std::string::npos) << other_case.err;
    auto listed = admin({"--json", "users", "ls"});
    ASSERT_EQ(listed.exit_code, 0);
    EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 1u);
}

TEST_F(users, InvalidNamesAreRefusedWithAReason) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"a/b", "'/'"}, {"a+b", "'+'"}, {"a#b", "'#'"}, {"$sys", "'$'"}, {"a b", "whitespace"},
        {std::string(65, 'x'), "too long"}, {"bad\x01", "control"}, {"\xC3\x28", "UTF-8"}, {"papo-server", "reserved"}};
    for (const auto& [name, reason] : cases) {
        auto result = admin({"users", "add", name});
        EXPECT_EQ(result.exit_code, 2) << name;  // a usage error, found before any password prompt
        EXPECT_NE(result.err.find(reason), std::string::npos) << name << ": " << result.err;
    }
    auto empty = admin({"users", "add", ""});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
    EXPECT_EQ(admin({"users", "add", "josé"}).exit_code, 0);
}

TEST_F(users, ConcurrentRegistrationsOfOneNameExactlyOneWins) {
    std::vector<std::future<command_result>> attempts;
    for (int i = 0; i < 20; ++i)
        attempts.push_back(std::async(std::launch::async, [this] { return admin({"users", "add", "racer"}); }));
    int wins = 0, refusals = 0;
    for (auto& attempt : attempts) {
        const auto result = attempt.get();
        if (result.exit_code == 0) ++wins;
        else if (result.err.find("taken") != std::string::npos) ++refusals;
    }
    EXPECT_EQ(wins, 1);
    EXPECT_EQ(refusals, 19);
}

TEST_F(users, NewUserHasAQueueBeforeFirstLogin) {
    register_users({"alice"});
    ASSERT_EQ(admin({"users", "add", "bob"}).exit_code, 0);
    EXPECT_EQ(queue_depth("bob"), 0);
    ASSERT_EQ(papo("alice", {"send", "bob", "before you ever logged in"}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 1), 1);
    auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto messages = messages_in(read.out);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0]["text"], "before you ever logged in");
    EXPECT_EQ(messages[0]["from"], "alice");
    EXPECT_TRUE(messages[0]["waited"].get<bool>());
}

TEST_F(users, RemovingAUserRemovesItsQueueAndMessages) {
    register_users({"alice", "carol"});
    ASSERT_EQ(papo("alice", {"send", "carol", "you will never see this"}).exit_code, 0);
    EXPECT_EQ(settled_depth("carol", 1), 1);
    ASSERT_EQ(admin({"users", "rm", "carol"}).exit_code, 0);
    EXPECT_EQ(queue_depth("carol"), -1);
    auto read = papo("carol", {"read"});
    EXPECT_NE(read.exit_code, 0);
    EXPECT_NE(read.err.find("refused the login"), std::string::npos) << read.err;  // the account went too
    // A new carol starts with an empty queue: the old messages went with the old user.
    register_users({"carol"});
    auto fresh = papo("carol", {"read", "--json"});
    EXPECT_TRUE(messages_in(fresh.out).empty()) << fresh.out;
}

}  // namespace
}  // namespace papo::e2e
