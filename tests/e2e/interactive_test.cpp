// Interactive papo: slash commands, plain lines to the current topic, waiting
// messages first and marked, incoming messages shown as they arrive.
#include "chat_fixture.h"

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

namespace papo::e2e {
namespace {

class interactive : public chat_test {
protected:
    // Types `script` (lines separated by \n, "<pause>" waits a second) into papo --user USER.
    command_result chat(const std::string& user, const std::string& script) {
        std::string feed = "(";
        std::size_t start = 0;
        for (std::size_t end; (end = script.find("<pause>", start)) != std::string::npos; start = end + 7)
            feed += "printf '%s' '" + script.substr(start, end - start) + "'; sleep 1; ";
        feed += "printf '%s' '" + script.substr(start) + "')";
        return run_command({"sh", "-c", feed + " | \"$0\" --broker \"$1\" --state-dir \"$2\" --user \"$3\" --password-file \"$4\"",
                            env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, user, password_file(user)},
                           30);
    }
};

TEST_F(interactive, SlashCommandsPlainLinesAndWaitingMessages) {
    register_users({"alice", "bob", "carol"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("carol", {"join", "lobby"}).exit_code, 0);
    ASSERT_EQ(papo("bob", {"send", "alice", "this waited for you"}).exit_code, 0);

    auto session = chat("alice", "/join lobby\n<pause>hello lobby\n/msg bob hi bob\n/who\n/topics\n/bogus\n/quit\n");
    ASSERT_EQ(session.exit_code, 0) << session.err;
    const std::string& out = session.out;
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
    background_process alice({"sh", "-c", "sleep 3 | \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\"",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice")});
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    auto who = papo("bob", {"--json", "who"});
    ASSERT_EQ(who.exit_code, 0);
    bool alice_online = false;
    for (const auto& user : nlohmann::json::parse(who.out))
        if (user["name"] == "alice") alice_online = user["online"].get<bool>();
    EXPECT_TRUE(alice_online) << who.out;
    ASSERT_EQ(papo("bob", {"send", "alice", "live message"}).exit_code, 0);
    alice.wait();
    EXPECT_NE(alice.output().find("bob -> you: live message"), std::string::npos) << alice.output();
    EXPECT_EQ(alice.output().find("waited while you were away"), std::string::npos) << alice.output();
}

TEST_F(interactive, TheSameUserTwiceDoesNotFightAndBothSeeNewMessages) {
    register_users({"alice", "bob"});
    auto open_chat = [this](int seconds, const std::string& state) {
        return std::make_unique<background_process>(std::vector<std::string>{
            "sh", "-c", "sleep " + std::to_string(seconds) + " | \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\"",
            env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state, password_file("alice")});
    };
    auto first = open_chat(6, state_dir_ + "/laptop");   // two devices of alice's
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    auto second = open_chat(4, state_dir_ + "/phone");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_EQ(papo("bob", {"send", "alice", "to every alice"}).exit_code, 0);
    second->wait();
    first->wait();
    EXPECT_NE(first->output().find("took over your queue"), std::string::npos) << first->output();
    EXPECT_NE(first->output().find("bob -> you: to every alice"), std::string::npos) << first->output();
    EXPECT_NE(second->output().find("bob -> you: to every alice"), std::string::npos) << second->output();
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
    background_process alice({"sh", "-c", "sleep 9 | \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\"",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice")});
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    broker_->stop();
    broker_->start();
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // papo-server and alice come back
    ASSERT_EQ(papo("bob", {"send", "alice", "after the restart"}).exit_code, 0);
    alice.wait();
    EXPECT_NE(alice.output().find("(reconnected)"), std::string::npos) << alice.output();
    EXPECT_EQ(alice.output().find("took over"), std::string::npos) << alice.output();
    EXPECT_NE(alice.output().find("bob -> you: after the restart"), std::string::npos) << alice.output();
}

TEST_F(interactive, CtrlCOrKillEndsTheChatInOrder) {
    register_users({"alice", "bob"});
    // bash's exec makes papo itself the process that gets the signal.
    background_process alice({"bash", "-c", "exec \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\" < <(sleep 30)",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice")});
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    ASSERT_EQ(papo("bob", {"send", "alice", "before the signal"}).exit_code, 0);
    for (int i = 0; i < 100 && alice.output().find("before the signal") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(alice.stop(), 128 + SIGTERM);
    EXPECT_NE(alice.output().find("papo: stopped by Terminated"), std::string::npos) << alice.output();
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
    const std::string go = state_dir_ + "/go";
    background_process alice({"sh", "-c",
                              "(while [ ! -e \"$4\" ]; do sleep 0.1; done; printf '/msg bob while the server was away\\n"
                              "/post lobby a post meanwhile\\n'; sleep 4; printf '/quit\\n') | \"$0\" --broker \"$1\" "
                              "--state-dir \"$2\" --user alice --password-file \"$3\" --timeout 1",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice"), go});
    for (int i = 0; i < 200 && alice.output().find("connected as alice") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_NE(alice.output().find("connected as alice"), std::string::npos) << alice.output();
    stop_server();
    std::ofstream(go) << "go\n";
    EXPECT_EQ(alice.wait(), 0) << alice.output();
    const auto out = alice.output();
    EXPECT_NE(out.find("queued for bob (papo-server did not answer"), std::string::npos) << out;
    EXPECT_NE(out.find("queued for #lobby (papo-server did not answer"), std::string::npos) << out;
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
    // bash's exec makes papo itself the process waited for (not a pipeline with a sleep).
    background_process alice({"bash", "-c", "exec \"$0\" --broker \"$1\" --state-dir \"$2\" --user alice --password-file \"$3\" < <(sleep 30)",
                              env_or("PAPO_BIN", PAPO_BIN_DEFAULT), broker_->uri(), state_dir_, password_file("alice")});
    for (int i = 0; i < 200 && alice.output().find("connected as alice") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_NE(alice.output().find("connected as alice"), std::string::npos) << alice.output();
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(admin({"users", "rm", "alice"}).exit_code, 0);  // kicks alice off and removes her login
    EXPECT_EQ(alice.wait(), 1) << alice.output();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15)) << alice.output();
    EXPECT_NE(alice.output().find("refused the login"), std::string::npos) << alice.output();
    EXPECT_NE(alice.output().find("papo stops reconnecting"), std::string::npos) << alice.output();
}

}  // namespace
}  // namespace papo::e2e
