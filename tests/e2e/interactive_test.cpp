// Interactive papo: slash commands, plain lines to the current topic, waiting
// messages first and marked, incoming messages shown as they arrive.
#include "chat_fixture.h"

#include <csignal>
#include <sstream>

namespace papo::e2e {
namespace {

class interactive : public chat_test {
protected:
    // papo --user USER (the chat) in the background, its stdin a pipe: the test types
    // with write_input() and ends it with /quit or close_input() (end of file, as Ctrl-D).
    std::unique_ptr<background_process> open_chat(const std::string& user, const std::string& state_dir,
                                                  const std::vector<std::string>& options = {}) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", broker_->uri(), "--state-dir",
                                      state_dir, "--user", user, "--password-file", password_file(user)};
        argv.insert(argv.end(), options.begin(), options.end());
        return std::make_unique<background_process>(argv, std::string{}, background_process::input::pipe);
    }
    // `user`'s chat is past its start ("connected as" comes before its requests to
    // papo-server) and in its loop once it has shown a DM of bob's and confirmed it.
    bool chatting(background_process& chat, const std::string& user) {
        return papo("bob", {"send", user, "are you there?"}).exit_code == 0 &&
               chat.wait_for_output("bob -> you: are you there?") && settled_depth(user, 0) == 0;
    }
    // Its exit status once it has ended (bounded: 30 s; -1 when it had not).
    static int ended(background_process& chat) { return chat.wait_for(std::chrono::seconds(30)).value_or(-1); }
};

TEST_F(interactive, SlashCommandsPlainLinesAndWaitingMessages) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "this waited for you"}).exit_code, 0);

    auto alice = open_chat("alice", state_dir_);
    alice->write_input("/join lobby\n");
    ASSERT_TRUE(alice->wait_for_output("joined #lobby")) << alice->output();  // the plain line goes to #lobby
    alice->write_input("hello lobby\n/msg bob hi bob\n/who\n/topics\n/bogus\n/leave\n/quit\n");
    ASSERT_EQ(ended(*alice), 0) << alice->output();
    const std::string out = alice->output();
    const auto connected = out.find("connected as alice");
    const auto waited = out.find("bob -> you: this waited for you  (waited while you were away)");
    ASSERT_NE(connected, std::string::npos) << out;
    ASSERT_NE(waited, std::string::npos) << out;
    EXPECT_LT(connected, waited);
    EXPECT_NE(out.find("joined #lobby"), std::string::npos) << out;
    EXPECT_NE(out.find("#lobby you: hello lobby"), std::string::npos) << out;
    EXPECT_NE(out.find("you -> bob: hi bob"), std::string::npos) << out;
    EXPECT_NE(out.find("PRESENCE"), std::string::npos) << out;
    EXPECT_NE(out.find("MEMBERS"), std::string::npos) << out;
    EXPECT_NE(out.find("error: unknown or incomplete command '/bogus'"), std::string::npos) << out;
    EXPECT_NE(out.find("left #lobby"), std::string::npos) << "/leave without a topic leaves the current one:\n" << out;
    const auto topics = papo("alice", {"--json", "topics"});
    for (const auto& t : nlohmann::json::parse(topics.out)) EXPECT_FALSE(t.at("joined").get<bool>()) << topics.out;

    auto bob_got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(bob_got.size(), 1u);
    EXPECT_EQ(bob_got[0]["text"], "hi bob");
    auto carol_got = messages_in(papo("carol", {"read", "--json"}).out);
    ASSERT_EQ(carol_got.size(), 1u);
    EXPECT_EQ(carol_got[0]["text"], "hello lobby");
    EXPECT_EQ(carol_got[0]["topic"], "lobby");
    EXPECT_EQ(settled_depth("alice", 0), 0);
}

TEST_F(interactive, MessagesArriveWhileChattingAndPresenceShows) {
    register_users({"alice", "bob"});
    auto alice = open_chat("alice", state_dir_);
    ASSERT_TRUE(alice->wait_for_output("connected as alice")) << alice->output();  // after it announced itself
    auto who = papo("bob", {"--json", "who"});
    ASSERT_EQ(who.exit_code, 0);
    bool alice_online = false;
    for (const auto& user : nlohmann::json::parse(who.out))
        if (user["name"] == "alice") alice_online = user["online"].get<bool>();
    EXPECT_TRUE(alice_online) << who.out;
    ASSERT_EQ(papo("bob", {"send", "alice", "live message"}).exit_code, 0);
    EXPECT_TRUE(alice->wait_for_output("bob -> you: live message")) << alice->output();
    alice->close_input();
    EXPECT_EQ(ended(*alice), 0) << alice->output();
    EXPECT_EQ(alice->output().find("waited while you were away"), std::string::npos) << alice->output();
}

TEST_F(interactive, TheSameUserTwiceDoesNotFightAndBothSeeNewMessages) {
    register_users({"alice", "bob"});
    auto first = open_chat("alice", state_dir_ + "/laptop");  // two devices of alice's
    ASSERT_TRUE(first->wait_for_output("connected as alice")) << first->output();
    auto second = open_chat("alice", state_dir_ + "/phone");
    ASSERT_TRUE(second->wait_for_output("connected as alice")) << second->output();
    // The first follows new messages on a connection of its own once it has said so.
    ASSERT_TRUE(first->wait_for_output("took over your queue")) << first->output();
    ASSERT_EQ(papo("bob", {"send", "alice", "to every alice"}).exit_code, 0);
    EXPECT_TRUE(first->wait_for_output("bob -> you: to every alice")) << first->output();
    EXPECT_TRUE(second->wait_for_output("bob -> you: to every alice")) << second->output();
    second->close_input();
    first->close_input();
    EXPECT_EQ(ended(*second), 0) << second->output();
    EXPECT_EQ(ended(*first), 0) << first->output();
    // alice logged in with the queue's client id exactly twice: no reconnect fight.
    const std::string log = broker_->log_text();
    std::istringstream lines(log);
    std::size_t connects = 0;
    for (std::string line; std::getline(lines, line);)
        connects += line.find(" as alice (") != std::string::npos && line.find("u'alice'") != std::string::npos;
    EXPECT_EQ(connects, 2u) << log;
}

TEST_F(interactive, ReconnectsByItselfAfterTheBrokerRestarts) {
    register_users({"alice", "bob"});
    auto alice = open_chat("alice", state_dir_);
    ASSERT_TRUE(chatting(*alice, "alice")) << alice->output();
    broker_->stop();
    broker_->start();
    // alice is back when her chat says so, papo-server when it answers again.
    ASSERT_TRUE(alice->wait_for_output("(reconnected)")) << alice->output();
    ASSERT_TRUE(wait_until_server_answers()) << server_->output();
    ASSERT_EQ(papo("bob", {"send", "alice", "after the restart"}).exit_code, 0);
    EXPECT_TRUE(alice->wait_for_output("bob -> you: after the restart")) << alice->output();
    alice->close_input();
    EXPECT_EQ(ended(*alice), 0) << alice->output();
    EXPECT_EQ(alice->output().find("took over"), std::string::npos) << alice->output();
}

TEST_F(interactive, CtrlCOrKillEndsTheChatInOrder) {
    register_users({"alice", "bob"});
    auto alice = open_chat("alice", state_dir_);
    ASSERT_TRUE(alice->wait_for_output("connected as alice")) << alice->output();
    ASSERT_EQ(papo("bob", {"send", "alice", "before the signal"}).exit_code, 0);
    ASSERT_TRUE(alice->wait_for_output("before the signal")) << alice->output();
    EXPECT_EQ(alice->stop(), 128 + SIGTERM);
    EXPECT_NE(alice->output().find("papo: stopped by Terminated"), std::string::npos) << alice->output();
    EXPECT_EQ(settled_depth("alice", 0), 0);  // what it showed is confirmed
    const auto again = papo("alice", {"read", "--json"});
    EXPECT_TRUE(messages_in(again.out).empty()) << again.out;  // and not shown twice
}

// The chat calls the same operations as `papo send` / `papo post` (issue 10): with
// papo-server away a /msg or a post waits in the outbox, reported as queued (before,
// the chat dropped it with an error).
TEST_F(interactive, MsgAndPostsWaitInTheOutboxWhilePapoServerIsAway) {
    register_users({"alice", "bob"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("alice", {"join", "lobby"}).exit_code, 0);
    // The lines come once the test has stopped papo-server (the chat needs it to start).
    auto alice = open_chat("alice", state_dir_, {"--timeout", "1"});
    ASSERT_TRUE(chatting(*alice, "alice")) << alice->output();
    stop_server();
    alice->write_input("/msg bob while the server was away\n/post lobby a post meanwhile\n");
    EXPECT_TRUE(alice->wait_for_output("queued for bob (papo-server is not running")) << alice->output();
    EXPECT_TRUE(alice->wait_for_output("queued for #lobby (papo-server is not running")) << alice->output();
    alice->write_input("/quit\n");
    EXPECT_EQ(ended(*alice), 0) << alice->output();
    const auto out = alice->output();
    EXPECT_EQ(out.find("error:"), std::string::npos) << out;
    start_server();
    ASSERT_EQ(papo("alice", {"outbox"}).exit_code, 0);  // sends what waited
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0]["text"], "while the server was away");
    EXPECT_EQ(got[1]["text"], "a post meanwhile");
    EXPECT_EQ(got[1]["topic"], "lobby");
}

// Like `read --wait`, the chat's reconnect ends at a refused login (the account was
// removed) with a clear message, instead of retrying forever.
TEST_F(interactive, ReconnectStopsWithAClearMessageWhenTheLoginIsRefused) {
    register_users({"alice"});
    auto alice = open_chat("alice", state_dir_);  // its stdin stays open: only the refusal ends it
    ASSERT_TRUE(alice->wait_for_output("connected as alice")) << alice->output();
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(admin({"users", "rm", "alice"}).exit_code, 0);  // kicks alice off and removes her login
    EXPECT_EQ(ended(*alice), 1) << alice->output();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15)) << alice->output();
    EXPECT_NE(alice->output().find("refused the login"), std::string::npos) << alice->output();
    EXPECT_NE(alice->output().find("papo stops reconnecting"), std::string::npos) << alice->output();
}

}  // namespace
}  // namespace papo::e2e
