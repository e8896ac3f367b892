// Direct messages to users who are online and offline; clear errors for bad input.
#include "chat_fixture.h"

#include "papo/credentials.h"

#include <csignal>

namespace papo::e2e {
namespace {

class direct_messages : public chat_test {
protected:
    // bob's reader is past its start (connect, presence, requests to papo-server) and in
    // its wait once it has shown alice's DM `text` and confirmed it: papo-server counts
    // nothing waiting for bob any more.
    bool bob_is_waiting(background_process& reader, const std::string& text) {
        return reader.wait_for_output(text) && settled_depth("bob", 0) == 0;
    }
};

TEST_F(direct_messages, OnlineUserGetsDmWhileReading) {
    register_users({"alice", "bob"});
    auto reader = start_reader("bob", 4);
    ASSERT_TRUE(wait_until_online("bob")) << reader->output();  // bob is connected and waiting
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

    // Bad text is a usage error (exit 2), refused before papo connects.
    auto oversized = papo("alice", {"send", "bob", std::string(17 * 1024, 'x')});
    EXPECT_EQ(oversized.exit_code, 2);
    EXPECT_NE(oversized.err.find("at most 16384 bytes (16 KiB)"), std::string::npos) << oversized.err;

    auto empty = papo("alice", {"send", "bob", ""});
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;

    auto unregistered = papo("mallory", {"send", "bob", "hi"});
    EXPECT_EQ(unregistered.exit_code, 1);
    EXPECT_NE(unregistered.err.find("refused the login"), std::string::npos) << unregistered.err;

    EXPECT_EQ(queue_depth("bob"), 0);
}

TEST_F(direct_messages, ServerOrBrokerDownQueuesTheSendAndDeliversItLater) {
    register_users({"alice", "bob"});
    stop_server();
    auto no_server = papo("alice", {"--timeout", "1", "send", "bob", "while the server was down"});
    EXPECT_EQ(no_server.exit_code, 0) << no_server.err;
    EXPECT_NE(no_server.out.find("queued for bob (papo-server is not running"), std::string::npos) << no_server.out;
    auto nobody = papo("alice", {"--timeout", "1", "send", "nobody", "to a name that does not exist"});
    EXPECT_EQ(nobody.exit_code, 0) << nobody.err;
    auto admin_no_server = admin({"--timeout", "1", "users", "ls"});
    EXPECT_EQ(admin_no_server.exit_code, 1);
    EXPECT_NE(admin_no_server.err.find("papo-server is not running"), std::string::npos) << admin_no_server.err;

    broker_->stop();
    auto no_broker = papo("alice", {"--timeout", "1", "--json", "send", "bob", "while the broker was down"});
    EXPECT_EQ(no_broker.exit_code, 0) << no_broker.err;
    EXPECT_EQ(nlohmann::json::parse(no_broker.out)["status"], "queued");
    broker_->start();
    start_server();

    // alice's next papo, whatever it does, checks the names and sends what waited.
    auto later = papo("alice", {"outbox"});
    ASSERT_EQ(later.exit_code, 0) << later.err;
    EXPECT_NE(later.err.find("your message to nobody"), std::string::npos) << later.err;
    EXPECT_NE(later.err.find("no such user"), std::string::npos) << later.err;
    auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "while the server was down");
    EXPECT_EQ(got[1]["text"], "while the broker was down");
    EXPECT_EQ(got[1]["from"], "alice");
    papo("alice", {"read"});  // bob's receipts
    auto box = papo("alice", {"outbox"});
    EXPECT_NE(box.out.find("every message you sent has reached its reader"), std::string::npos) << box.out;
}

// Resending belongs to the commands that send or read (issue 10): `who` and `topics`
// only ask (before, both sent the outbox again as a side effect).
TEST_F(direct_messages, WhoAndTopicsDoNotSendTheOutboxAgain) {
    register_users({"alice", "bob"});
    stop_server();
    const auto queued = papo("alice", {"--timeout", "2", "send", "bob", "waits in the outbox"});
    ASSERT_EQ(queued.exit_code, 0) << queued.out << queued.err;
    start_server();
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "who"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "topics"}).exit_code, 0);
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "send", "bob", "next"}).exit_code, 0);  // a send does
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "waits in the outbox");
    EXPECT_EQ(got[1]["text"], "next");
}

TEST_F(direct_messages, AWrongPasswordIsNeverQueued) {
    register_users({"alice", "bob"});
    const std::string wrong = state_dir_ + "/wrong";
    papo::write_secret_file(wrong, "not-alices-password");
    auto refused = run_command({env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir", state_dir_,
                                "--user", "alice", "--password-file", wrong, "send", "bob", "hi"},
                               10);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("refused the login"), std::string::npos) << refused.err;
    EXPECT_TRUE(messages_in(papo("bob", {"read", "--json"}).out).empty());
}

TEST_F(direct_messages, AWaitingReaderReconnectsWithBackoffWhenTheBrokerComesBack) {
    register_users({"alice", "bob"});
    // Its wait only bounds the test: the reader is stopped once it has shown both.
    auto reader = start_reader("bob", 60);
    ASSERT_EQ(papo("alice", {"send", "bob", "before the crash"}).exit_code, 0);
    ASSERT_TRUE(bob_is_waiting(*reader, "before the crash")) << reader->output();
    broker_->kill();
    ASSERT_TRUE(reader->wait_for_output("lost the broker; reconnecting")) << reader->output();  // bob retries meanwhile
    broker_->start();
    // bob is back when his reader says so (the broker lost his session in the crash:
    // what alice sent before it came back waits in her outbox, not in his queue), and
    // papo-server when it answers (it reconnects with a backoff of its own; alice's
    // send would wait in her outbox until then).
    ASSERT_TRUE(reader->wait_for_output("papo: reconnected")) << reader->output();
    ASSERT_TRUE(wait_until_server_answers()) << server_->output();
    const auto after = papo("alice", {"send", "bob", "after the crash"});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    EXPECT_NE(after.out.find("sent to bob"), std::string::npos) << after.out;
    ASSERT_TRUE(reader->wait_for_output("after the crash")) << reader->output();
    EXPECT_EQ(reader->stop(), 128 + SIGTERM) << reader->output();  // stops in order, as at the end of its wait
    const auto out = reader->output();
    EXPECT_NE(out.find("lost the broker; reconnecting"), std::string::npos) << out;
    EXPECT_NE(out.find("papo: reconnected"), std::string::npos) << out;
    const auto got = messages_in(out);
    ASSERT_EQ(got.size(), 2u) << out;
    EXPECT_EQ(got[0]["text"], "before the crash");
    EXPECT_EQ(got[1]["text"], "after the crash");
}

TEST_F(direct_messages, AReaderWhoseBrokerStaysAwaySaysSoWhenItsWaitEnds) {
    register_users({"alice", "bob"});
    auto reader = start_reader("bob", 3);
    ASSERT_EQ(papo("alice", {"send", "bob", "are you there?"}).exit_code, 0);
    ASSERT_TRUE(bob_is_waiting(*reader, "are you there?")) << reader->output();
    broker_->kill();
    EXPECT_EQ(reader->wait(), 1) << reader->output();
    EXPECT_NE(reader->output().find("lost the connection to the broker"), std::string::npos) << reader->output();
}

TEST_F(direct_messages, ASecondReadOfTheSameUserTakesOverWithoutAFight) {
    register_users({"alice", "bob"});
    auto first = start_reader("bob", 30);
    ASSERT_EQ(papo("alice", {"send", "bob", "for the first"}).exit_code, 0);
    ASSERT_TRUE(bob_is_waiting(*first, "for the first")) << first->output();
    auto second = start_reader("bob", 4);
    EXPECT_EQ(first->wait(), 1) << first->output();  // it stops, it does not take the queue back
    EXPECT_NE(first->output().find("took over the queue"), std::string::npos) << first->output();
    ASSERT_EQ(papo("alice", {"send", "bob", "for the second"}).exit_code, 0);
    EXPECT_EQ(second->wait(), 0) << second->output();
    const auto got = messages_in(second->output());
    ASSERT_EQ(got.size(), 1u) << second->output();
    EXPECT_EQ(got[0]["text"], "for the second");
}

}  // namespace
}  // namespace papo::e2e
