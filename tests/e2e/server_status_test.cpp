// A papo-server that is down is told at once (issue 14, item 7): it keeps a retained
// server/v1/status ("online" while it serves, "offline" from its will or as it stops),
// and every asker subscribes to it, so a request to a stopped server fails (or a send
// is queued) without waiting for --timeout. Nobody else can write that status.
#include "chat_fixture.h"

#include "papo/clock.h"
#include "papo/messages.h"
#include "papo/topics.h"

#include <chrono>

namespace papo::e2e {
namespace {

class server_status : public chat_test {
protected:
    // The retained status as a user reads it; "" when none came within 10 s.
    std::string retained_status(const std::string& user) {
        session reader(login_options(user, user + "~status-" + random_hex(4)));
        reader.connect();
        reader.subscribe({topics::server_status}, 1);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline)
            if (auto m = reader.next(std::chrono::milliseconds(200)); m && m->topic == topics::server_status)
                return nlohmann::json::parse(m->payload).value("state", "");
        return "";
    }
    // With --timeout 120 a command that waited for papo-server would be killed at
    // the 60 s limit of the run: finishing at all shows it was told, not timed out.
    void expect_told_at_once() {
        const auto sent = papo("alice", {"--timeout", "120", "send", "bob", "while papo-server was away"}, 60);
        EXPECT_FALSE(sent.timed_out);
        EXPECT_EQ(sent.exit_code, 0) << sent.err;
        EXPECT_NE(sent.out.find("queued for bob (papo-server is not running"), std::string::npos) << sent.out;
        const auto listed = admin({"--timeout", "120", "users", "ls"}, 60);
        EXPECT_FALSE(listed.timed_out);
        EXPECT_EQ(listed.exit_code, 1);
        EXPECT_NE(listed.err.find("papo-server is not running"), std::string::npos) << listed.err;
    }
};

TEST_F(server_status, AStoppedPapoServerIsToldAtOnceAndWhatWaitedGoesOutWhenItIsBack) {
    register_users({"alice", "bob"});
    EXPECT_EQ(retained_status("alice"), "online");
    stop_server();
    EXPECT_EQ(retained_status("alice"), "offline");
    expect_told_at_once();
    start_server();
    EXPECT_EQ(retained_status("bob"), "online");
    // The queued DM goes out with alice's next command (--resend-after 0: at once).
    ASSERT_EQ(papo("alice", {"--resend-after", "0", "outbox"}).exit_code, 0);
    const auto got = messages_in(papo("bob", {"read", "--json"}).out);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["text"], "while papo-server was away");
}

TEST_F(server_status, AKilledPapoServersWillSaysItStopped) {
    register_users({"alice", "bob"});
    server_->kill();
    EXPECT_EQ(retained_status("alice"), "offline");
    expect_told_at_once();
}

// A clean broker shutdown sends papo-server's will although papo-server runs on:
// papo_guard removes that stale "offline" when the broker starts, and papo-server says
// "online" again once it has reconnected.
TEST_F(server_status, ABrokerRestartLeavesNoStaleOfflineAndPapoServerSaysOnlineAgain) {
    register_users({"alice", "bob"});
    broker_->stop();
    broker_->start();
    ASSERT_TRUE(wait_until_server_answers()) << server_->output();
    std::string state;
    wait_until([&] { return (state = retained_status("alice")) == "online"; }, std::chrono::seconds(30),
               std::chrono::milliseconds(200));
    EXPECT_EQ(state, "online");
    const auto sent = papo("alice", {"--json", "send", "bob", "after the broker restart"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_EQ(nlohmann::json::parse(sent.out)["status"], "sent");
}

TEST_F(server_status, NoUserCanSayPapoServerStoppedOrServes) {
    register_users({"alice"});
    auto forge = [&](const char* payload) {
        // Refused with PUBACK 0x87 (papo_guard: server/ is papo-server's); the broker then drops the connection.
        (void)run_command(mqtt_tool("mosquitto_pub", "alice", "alice~forge",
                                    {"-t", topics::server_status, "-r", "-q", "1", "-m", payload}),
                          10);
    };
    forge(R"({"state":"offline"})");
    EXPECT_EQ(retained_status("alice"), "online");
    EXPECT_EQ(papo("alice", {"who"}).exit_code, 0);
    stop_server();
    forge(R"({"state":"online"})");
    EXPECT_EQ(retained_status("alice"), "offline");
}

}  // namespace
}  // namespace papo::e2e
