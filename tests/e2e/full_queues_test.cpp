// Queue limits (issue 11 #7), papo-server's side: when a queue reaches
// --max-waiting-messages its retained snapshot on registry/queues/<name> says
// "full": true at once, with the MQTT v5 user property papo-queue-full = 1 that the
// broker plugin reads; when the reader drains it, "full": false and 0. After the broker
// restarts (the plugin forgets), papo-server tells every full queue again.
// That the broker then refuses DMs to a full queue is the plugin's part, not tested here.
#include "chat_fixture.h"

#include "papo/clock.h"
#include "papo/messages.h"
#include "papo/topics.h"

#include <optional>

namespace papo::e2e {
namespace {

struct seen_snapshot {
    nlohmann::json payload;
    std::string full_property;  // the papo-queue-full user property; empty if absent
    bool retained = false;
};

// The next snapshot of `queue` that `watcher` receives within `timeout`.
std::optional<seen_snapshot> next_snapshot(session& watcher, const std::string& queue, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto message = watcher.next(std::chrono::milliseconds(50));
        if (!message || message->connection_lost || message->topic != topics::registry_queue(queue) ||
            message->payload.empty())
            continue;
        seen_snapshot s{nlohmann::json::parse(message->payload), "", message->retained};
        for (const auto& [key, value] : message->user_properties)
            if (key == queue_full_property) s.full_property = value;
        return s;
    }
    return std::nullopt;
}

// The first snapshot of `queue` whose "full" is `full`, skipping others, within `timeout`.
std::optional<seen_snapshot> snapshot_saying(session& watcher, const std::string& queue, bool full,
                                             std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        auto s = next_snapshot(watcher, queue, left);
        if (s && s->payload.value("full", !full) == full) return s;
    }
    return std::nullopt;
}

// The first snapshot of `queue` published live (not the broker's retained copy) within `timeout`.
std::optional<seen_snapshot> live_snapshot(session& watcher, const std::string& queue, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto s = next_snapshot(watcher, queue, std::chrono::seconds(1));
        if (s && !s->retained) return s;
    }
    return std::nullopt;
}

class full_queues : public chat_test {
protected:
    full_queues() {
        // Snapshots only every 10 minutes: a snapshot that comes within seconds is the
        // one papo-server publishes at once when the full state changes.
        server_options_ = {"--max-waiting-messages", "5", "--snapshot-interval-ms", "600000"};
    }
    // An operator watching the registry (papo-admin may read registry/#).
    session_ptr watch(const std::string& client_id, bool persistent = false) {
        auto options = login_options("papo-admin", client_id);
        options.persistent = persistent;
        options.clean_start = !persistent;
        auto watcher = std::make_unique<session>(options);
        watcher->connect();
        watcher->subscribe({topics::registry_queue("bob")}, 1);
        return watcher;
    }
    void send_to_bob(int count, int first = 1) {
        for (int i = first; i < first + count; ++i)
            ASSERT_EQ(papo("alice", {"send", "bob", "message " + std::to_string(i)}).exit_code, 0);
    }
};

TEST_F(full_queues, AQueueAtTheLimitIsToldFullAtOnceAndNotFullOnceItsReaderTakesThem) {
    register_users({"alice", "bob"});
    auto watcher = watch("papo-admin~watch-" + random_hex(6));
    send_to_bob(4);
    ASSERT_EQ(settled_depth("bob", 4), 4);
    EXPECT_FALSE(snapshot_saying(*watcher, "bob", true, std::chrono::milliseconds(300)))
        << "four of five is not full";

    send_to_bob(1, 5);
    const auto full = snapshot_saying(*watcher, "bob", true, std::chrono::seconds(10));
    ASSERT_TRUE(full) << "no snapshot said full within 10 s (the periodic one comes every 10 minutes)";
    EXPECT_EQ(full->full_property, "1");
    EXPECT_EQ(full->payload["messages"], 5);
    EXPECT_GT(full->payload["bytes"].get<long long>(), 5 * 50);  // five DMs' payloads
    EXPECT_EQ(full->payload["pending_from"]["alice"].size(), 5u);

    // The retained copy, as a newcomer (or the broker plugin after papo-server published it) sees it.
    auto late = watch("papo-admin~late-" + random_hex(6));
    const auto retained = next_snapshot(*late, "bob", std::chrono::seconds(5));
    ASSERT_TRUE(retained);
    EXPECT_TRUE(retained->retained);
    EXPECT_EQ(retained->payload["full"], true);
    EXPECT_EQ(retained->full_property, "1");

    const auto read = papo("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    EXPECT_EQ(messages_in(read.out).size(), 5u);
    const auto drained = snapshot_saying(*watcher, "bob", false, std::chrono::seconds(10));
    ASSERT_TRUE(drained) << "no snapshot said not full within 10 s of bob's receipts";
    EXPECT_EQ(drained->full_property, "0");
    EXPECT_LT(drained->payload["messages"].get<int>(), 5);
    EXPECT_EQ(settled_depth("bob", 0), 0);
}

TEST_F(full_queues, AFullQueueIsToldAgainWhenTheBrokerComesBack) {
    register_users({"alice", "bob"});
    auto watcher = watch("papo-admin~watch-" + random_hex(6));
    send_to_bob(5);
    ASSERT_TRUE(snapshot_saying(*watcher, "bob", true, std::chrono::seconds(10)));
    watcher.reset();

    // A persistent watcher: what papo-server publishes while it is away waits for it,
    // and comes as a live publish (retain flag off), not as the broker's retained copy.
    const std::string id = "papo-admin~durable-" + random_hex(6);
    watch(id, true)->disconnect();
    broker_->stop();
    broker_->start();
    auto back = watch(id, true);
    const auto told = live_snapshot(*back, "bob", std::chrono::seconds(30));
    ASSERT_TRUE(told) << "papo-server did not publish bob's snapshot again after the broker restarted\n"
                      << server_->output();
    EXPECT_EQ(told->payload["full"], true);
    EXPECT_EQ(told->full_property, "1");
}

// Both down (a power loss, a host restart): the broker comes back with the retained
// snapshot, but the plugin's memory is gone; papo-server tells it as soon as it starts.
TEST_F(full_queues, AFullQueueIsToldWhenPapoServerStartsAgainstARestartedBroker) {
    register_users({"alice", "bob"});
    auto watcher = watch("papo-admin~watch-" + random_hex(6));
    send_to_bob(5);
    ASSERT_TRUE(snapshot_saying(*watcher, "bob", true, std::chrono::seconds(10)));
    watcher.reset();

    const std::string id = "papo-admin~durable-" + random_hex(6);
    watch(id, true)->disconnect();
    stop_server();
    broker_->stop();
    broker_->start();
    start_server();
    auto back = watch(id, true);
    const auto told = live_snapshot(*back, "bob", std::chrono::seconds(20));
    ASSERT_TRUE(told) << "papo-server did not tell bob's full state at start-up\n" << server_->output();
    EXPECT_EQ(told->payload["full"], true);
    EXPECT_EQ(told->full_property, "1");
}

}  // namespace
}  // namespace papo::e2e
