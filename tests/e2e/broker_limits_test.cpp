// The broker's resource limits (papo_guard, SECURITY.md "Limits"), tried as an
// attacker with raw MQTT against the project's mosquitto.conf. Each fixture lowers
// the limit it tests so that it is reached quickly; the defaults are the file's.
#include "chat_fixture.h"

#include "papo/error.h"
#include "papo/topics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace papo::e2e {
namespace {

using namespace std::chrono_literals;

std::string dm(const std::string& id, const std::string& text) {
    return R"({"id":")" + id + R"(","text":")" + text + R"(","sent_at":"2026-12-01T10:00:00.000Z"})";
}

// Whether a publish on a connection of its own was refused by the broker rather
// than accepted: PUBACK 0x87, or the connection dropped. Mosquitto 2.0.11 drops a
// Paho client right after a refused publish, sometimes before Paho has taken the
// PUBACK (upstream #2579). Callers check what arrived, too.
bool refused(const session_options& options, const std::string& topic, const std::string& payload,
             bool retained = false) {
    publish_options how;
    how.retained = retained;
    session s(options);
    s.connect();
    try {
        s.publish(topic, payload, how);
        s.disconnect();
        return false;
    } catch (const ::papo::error& e) {
        const bool not_authorized = std::string(e.what()).find("refused it (reason code 135") != std::string::npos;
        const bool dropped = e.kind() == ::papo::error_kind::connection_lost || e.kind() == ::papo::error_kind::timed_out ||
                             std::string(e.what()).find("Disconnected") != std::string::npos;
        if (!not_authorized && !dropped) ADD_FAILURE() << "not a refusal: " << e.what();
        return true;
    }
}

class broker_limits : public chat_test {};

TEST_F(broker_limits, OnlyOwnPresenceIsRetainedAndPayloadsAreLimitedByKind) {
    register_users({"mallory", "carol"});
    session_options options = login_options("mallory", "mallory~raw");
    options.timeout = 2s;
    const auto& mallory = options;
    // A retained DM on an invented queue, and one to a real user (it would come back at every read).
    EXPECT_TRUE(refused(mallory, "users/nobody-1/inbox/mallory", dm("r1", "parked"), true));
    EXPECT_TRUE(refused(mallory, topics::inbox("carol", "mallory"), dm("r2", "beacon"), true));
    EXPECT_TRUE(refused(mallory, topics::presence("mallory"), std::string(4096, 'x'), true));
    EXPECT_TRUE(refused(mallory, topics::inbox("carol", "mallory"), dm("big", std::string(70 * 1024, 'x'))));
    EXPECT_FALSE(refused(mallory, topics::presence("mallory"), R"({"online":true,"since":"2026-12-01T10:00:00.000Z"})", true));
    EXPECT_FALSE(refused(mallory, topics::inbox("carol", "mallory"), dm("ok1", "a normal DM")));
    // carol gets the normal DM only, and nothing retained is left anywhere.
    auto read = papo("carol", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    const auto got = messages_in(read.out);
    ASSERT_EQ(got.size(), 1u) << read.out;
    EXPECT_EQ(got[0]["text"], "a normal DM");
    auto retained = run_command(mqtt_tool("mosquitto_sub", "papo-server", "papo-server~check",
                                          {"-v", "-W", "2", "-t", "users/#", "-t", "presence/mallory"}),
                                10);
    EXPECT_EQ(retained.out.find("parked"), std::string::npos) << retained.out;
    EXPECT_EQ(retained.out.find("beacon"), std::string::npos) << retained.out;
    EXPECT_EQ(retained.out.find("xxxx"), std::string::npos) << retained.out;
    EXPECT_NE(retained.out.find("presence/mallory {\"online\":true"), std::string::npos) << retained.out;
    EXPECT_NE(broker_->log_text().find("refused a publish of 'mallory'"), std::string::npos);
}

class publish_rate : public chat_test {
protected:
    publish_rate() { guard_options_ = {"publish_rate 2", "publish_burst 20", "request_rate 0.1", "request_burst 5"}; }
};

TEST_F(publish_rate, AFloodingUserIsRefusedAboveTheRateAndOthersAreNot) {
    register_users({"mallory", "alice", "bob"});
    session_options options = login_options("mallory", "mallory~flood");
    options.timeout = 2s;
    const auto& mallory = options;
    int accepted = 0, refusals = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 60 && refusals < 3; ++i) {
        if (refused(mallory, topics::inbox("bob", "mallory"), dm("f" + std::to_string(i), "flood"))) {
            ++refusals;
        } else {
            ++accepted;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GE(accepted, 20);                                        // the burst
    EXPECT_LE(accepted, 20 + static_cast<int>(2 * seconds) + 1);  // and the refill at 2/s, no more
    EXPECT_EQ(refusals, 3);
    std::vector<nlohmann::json> got;
    // Requests have their own, smaller allowance; a flood of them does not slow alice.
    int requests_refused = 0;
    for (int i = 0; i < 20; ++i)
        if (refused(mallory, topics::request("mallory"), R"({"command":"users.ls"})")) ++requests_refused;
    EXPECT_GE(requests_refused, 10);
    auto who = papo("alice", {"who"});
    EXPECT_EQ(who.exit_code, 0) << who.err;
    auto sent = papo("alice", {"send", "bob", "not slowed"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    for (auto& m : messages_in(papo("bob", {"read", "--json"}).out)) got.push_back(m);
    // Every accepted flood DM and alice's: none refused got through.
    std::string texts;
    for (const auto& m : got) texts += m["text"].get<std::string>() + " " + m["id"].get<std::string>() + "\n";
    EXPECT_EQ(got.size(), static_cast<std::size_t>(accepted + 1)) << texts;
    EXPECT_NE(texts.find("not slowed"), std::string::npos) << texts;
    EXPECT_NE(broker_->log_text().find("over the account's publish rate"), std::string::npos);
    EXPECT_NE(broker_->log_text().find("over the account's request rate"), std::string::npos);
}

class connection_limits : public chat_test {
protected:
    connection_limits() { guard_options_ = {"max_connections_per_account 3", "max_subscriptions_per_account 4"}; }
};

TEST_F(connection_limits, ConnectionsAndSubscriptionsPerAccountAreLimited) {
    register_users({"mallory", "alice"});
    std::vector<std::unique_ptr<session>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(std::make_unique<session>(login_options("mallory", "mallory~c" + std::to_string(i))));
        ASSERT_NO_THROW(open.back()->connect()) << i;
    }
    session fourth(login_options("mallory", "mallory~c3"));
    try {
        fourth.connect();
        ADD_FAILURE() << "a fourth connection was accepted";
    } catch (const ::papo::error& e) {
        EXPECT_EQ(e.kind(), ::papo::error_kind::login_refused) << e.what();
    }
    // Others are not affected, and a closed connection frees its place.
    session alice(login_options("alice", "alice~other"));
    EXPECT_NO_THROW(alice.connect());
    open.back()->disconnect();
    open.pop_back();
    EXPECT_TRUE(wait_until([&] {
        try {
            fourth.connect();
            return true;
        } catch (const ::papo::error&) {
            return false;
        }
    }, 20s, 50ms));
    // Subscriptions: 4 for the account's live connections together.
    int granted = 0;
    for (const char* name : {"a", "b", "c", "d", "e", "f"}) {
        try {
            open[0]->subscribe({std::string("presence/") + name});
            ++granted;
        } catch (const ::papo::error& e) {
            EXPECT_NE(std::string(e.what()).find("reason code 135"), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(granted, 4);
    EXPECT_NE(broker_->log_text().find("too many subscriptions"), std::string::npos);
}

class silent_sockets : public chat_test {
protected:
    silent_sockets() { guard_options_ = {"connect_timeout 2"}; }
};

int open_socket(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Whether the broker closed the socket (EOF or reset).
bool closed_by_peer(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char byte;
    return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

TEST_F(silent_sockets, SocketsThatNeverSendConnectAreClosed) {
    register_users({"alice", "bob"});
    std::vector<int> silent;
    for (int i = 0; i < 200; ++i) {
        const int fd = open_socket(broker_->port());
        ASSERT_GE(fd, 0);
        silent.push_back(fd);
    }
    session alice(login_options("alice", "alice~live"));
    alice.connect();  // a real client, idle meanwhile, stays
    EXPECT_TRUE(wait_until([&] {
        for (int fd : silent)
            if (!closed_by_peer(fd)) return false;
        return true;
    }, 20s, 50ms));
    for (int fd : silent) ::close(fd);
    EXPECT_TRUE(alice.connected());
    EXPECT_NO_THROW(alice.publish(topics::inbox("bob", "alice"), dm("after", "still here")));
    EXPECT_NE(broker_->log_text().find("sent no CONNECT"), std::string::npos);
}

class login_throttle : public chat_test {
protected:
    login_throttle() {
        guard_options_ = {"login_failures_per_account 3", "login_failure_refill_per_account 0.5",
                          "login_failures_per_address 1000"};
    }
};

TEST_F(login_throttle, FailedLoginsAreThrottledPerAccountThenAllowedAgain) {
    register_users({"alice", "bob"});
    session_options wrong = login_options("alice", "alice~guess");
    wrong.password = "not-her-password";
    wrong.timeout = 3s;
    int refusals = 0;
    for (int i = 0; i < 3; ++i) {
        session guess(wrong);
        try {
            guess.connect();
        } catch (const ::papo::error& e) {
            if (e.kind() == ::papo::error_kind::login_refused) ++refusals;
        }
    }
    EXPECT_EQ(refusals, 3);
    // Now even the right password is not checked: no CONNACK at all.
    session_options right = login_options("alice", "alice~right");
    right.timeout = 3s;
    {
        session attempt(right);
        EXPECT_ANY_THROW(attempt.connect());
    }
    // bob is not affected.
    session bob(login_options("bob", "bob~meanwhile"));
    EXPECT_NO_THROW(bob.connect());
    // The allowance refills (one failure every 2 s here): alice gets in again.
    EXPECT_TRUE(wait_until([&] {
        session attempt(right);
        try {
            attempt.connect();
            return true;
        } catch (const ::papo::error&) {
            return false;
        }
    }, 20s, 50ms));
    const std::string log = broker_->log_text();
    EXPECT_NE(log.find("logins of 'alice' (from 127.0.0.1) throttled"), std::string::npos) << log;
}

class full_queue : public chat_test {
protected:
    full_queue() { server_options_ = {"--max-waiting-messages", "3"}; }
};

// The broker refuses DMs to a queue papo-server marked full; papo keeps the refused
// DM in its outbox and sends it once the reader has made room; posts still go.
TEST_F(full_queue, ADmToAFullQueueIsRefusedKeptAndSentOnceThereIsRoom) {
    register_users({"alice", "bob", "mallory"});
    ASSERT_EQ(admin({"topics", "add", "lobby"}).exit_code, 0);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(papo("mallory", {"send", "bob", "fill " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(settled_depth("bob", 3), 3);
    session_options options = login_options("mallory", "mallory~raw");
    options.timeout = 2s;
    EXPECT_TRUE(wait_until([&] { return refused(options, topics::inbox("bob", "mallory"), dm("over", "one too many")); }, 20s, 50ms));
    // papo says it is kept (and why, when the PUBACK reached it before the broker
    // dropped the connection: "... the recipient's queue is full ...").
    auto over = papo("alice", {"send", "bob", "waits for room"});
    EXPECT_EQ(over.exit_code, 0) << over.err;
    EXPECT_NE(over.out.find("queued for bob"), std::string::npos) << over.out;
    // Others' queues are not affected.
    EXPECT_EQ(papo("alice", {"send", "mallory", "to a queue with room"}).exit_code, 0);
    // bob reads; the queue has room again; alice's papo sends the kept DM.
    std::vector<nlohmann::json> got;
    for (auto& m : messages_in(papo("bob", {"read", "--json"}).out)) got.push_back(m);
    EXPECT_EQ(got.size(), 3u);
    EXPECT_TRUE(wait_until(
        [&] {
            papo("alice", {"--resend-after", "1", "outbox"});
            for (auto& m : messages_in(papo("bob", {"read", "--json"}).out)) got.push_back(m);
            return std::any_of(got.begin(), got.end(), [](const auto& m) { return m["text"] == "waits for room"; });
        },
        60s, 50ms));
    std::string texts;
    for (const auto& m : got) texts += m["text"].get<std::string>() + "\n";
    EXPECT_EQ(texts.find("one too many"), std::string::npos) << texts;
    EXPECT_EQ(got.size(), 4u) << texts;
    EXPECT_NE(broker_->log_text().find("the recipient's queue is full"), std::string::npos);
}

}  // namespace
}  // namespace papo::e2e
