// Direct messages to users who are online and offline; clear errors for bad input.
#include "chat_fixture.h"

#include <thread>

namespace papo::e2e {
namespace {

class direct_messages : public chat_test {};

TEST_F(direct_messages, OnlineUserGetsDmWhileReading) {
    register_users({"alice", "bob"});
    auto reader = start_reader("bob", 4);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));  // bob is connected and waiting
    ASSERT_EQ(papo("alice", {"send", "bob", "are you online?"}).exit_code, 0);
    reader->wait();
    auto messages = messages_in(reader->output());
    ASSERT_EQ(messages.size(), 1u) << reader->output();
    EXPECT_EQ(messages[0]["from"], "alice");
    EXPECT_EQ(messages[0]["kind"], "dm");
    EXPECT_FALSE(messages[0]["waited"].get<bool>());
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(direct_messages, OfflineUserGetsDmsInOrderWhenBack) {
    register_users({"alice", "bob"});
    for (int i = 1; i <= 5; ++i) ASSERT_EQ(papo("alice", {"send", "bob", "message " + std::to_string(i)}).exit_code, 0);
    EXPECT_EQ(settled_depth("bob", 5), 5);
    auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    auto messages = messages_in(read.out);
    ASSERT_EQ(messages.size(), 5u) << read.out;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(messages[i]["text"], "message " + std::to_string(i + 1));
    EXPECT_EQ(settled_depth("bob", 0), 0);
    // Read again: nothing is shown twice.
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
}

TEST_F(direct_messages, BadInputGetsAClearErrorAndSendsNothing) {
    register_users({"alice", "bob"});
    auto unknown = papo("alice", {"send", "nobody", "hello?"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("no such user"), std::string::npos) << unknown.err;

    auto oversized = papo("alice", {"send", "bob", std::string(17 * 1024, 'x')});
    EXPECT_EQ(oversized.exit_code, 1);
    EXPECT_NE(oversized.err.find("longer than the limit"), std::string::npos) << oversized.err;

    auto empty = papo("alice", {"send", "bob", ""});
    EXPECT_EQ(empty.exit_code, 1);
    EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;

    auto unregistered = papo("mallory", {"send", "bob", "hi"});
    EXPECT_EQ(unregistered.exit_code, 1);
    EXPECT_NE(unregistered.err.find("refused the login"), std::string::npos) << unregistered.err;

    EXPECT_EQ(queue_depth("bob"), 0);
}

TEST_F(direct_messages, ServerOrBrokerDownGivesAClearError) {
    register_users({"alice", "bob"});
    stop_server();
    auto no_server = papo("alice", {"--timeout", "1", "send", "bob", "hello"});
    EXPECT_EQ(no_server.exit_code, 1);
    EXPECT_NE(no_server.err.find("is papo-server running?"), std::string::npos) << no_server.err;
    auto admin_no_server = admin({"--timeout", "1", "users", "ls"});
    EXPECT_EQ(admin_no_server.exit_code, 1);
    EXPECT_NE(admin_no_server.err.find("is papo-server running?"), std::string::npos) << admin_no_server.err;

    broker_->stop();
    auto no_broker = papo("alice", {"--timeout", "1", "send", "bob", "hello"});
    EXPECT_EQ(no_broker.exit_code, 1);
    EXPECT_NE(no_broker.err.find("cannot connect to the broker"), std::string::npos) << no_broker.err;
    broker_->start();
}

}  // namespace
}  // namespace papo::e2e
