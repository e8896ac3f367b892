// The broker plugin's resource limits (broker-plugin/limits.h), with time passed in.
#include "limits.h"

#include <gtest/gtest.h>

namespace {

using namespace papo::guard;
using namespace std::chrono_literals;

const time_point t0 = time_point{} + 1000s;

TEST(guard_limits, PayloadsAreLimitedByTheirKindOfTopic) {
    guard_state g;
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 65536, false, t0), refusal::none);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 65537, false, t0), refusal::too_large);
    EXPECT_EQ(g.check_publish("alice", "topics/lobby/alice", 4 * 1024 * 1024, false, t0), refusal::too_large);
    EXPECT_EQ(g.check_publish("alice", "presence/alice", 1024, true, t0), refusal::none);
    EXPECT_EQ(g.check_publish("alice", "presence/alice", 1025, true, t0), refusal::too_large);
}

TEST(guard_limits, OnlyOwnPresenceIsRetained) {
    guard_state g;
    EXPECT_EQ(g.check_publish("alice", "presence/alice", 20, true, t0), refusal::none);
    EXPECT_EQ(g.check_publish("alice", "presence/alice", 0, true, t0), refusal::none);  // clearing it
    EXPECT_EQ(g.check_publish("alice", "users/nobody-1/inbox/alice", 20, true, t0), refusal::retained);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 20, true, t0), refusal::retained);
    EXPECT_EQ(g.check_publish("alice", "topics/lobby/alice", 20, true, t0), refusal::retained);
    EXPECT_EQ(g.check_publish("alice", "presence/bob", 20, true, t0), refusal::retained);
    EXPECT_EQ(g.check_publish("alice", "invented/anything", 20, true, t0), refusal::retained);
}

TEST(guard_limits, APublishingFloodIsRefusedAboveTheRateAndOthersAreNotSlowed) {
    limits l;
    l.publish_rate = 10;
    l.publish_burst = 20;
    guard_state g(l);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(g.check_publish("mallory", "users/bob/inbox/mallory", 10, false, t0), refusal::none);
    EXPECT_EQ(g.check_publish("mallory", "users/bob/inbox/mallory", 10, false, t0), refusal::publish_rate);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 10, false, t0), refusal::none);
    // Refilled at the rate: one more after 100 ms, not two.
    EXPECT_EQ(g.check_publish("mallory", "users/bob/inbox/mallory", 10, false, t0 + 100ms), refusal::none);
    EXPECT_EQ(g.check_publish("mallory", "users/bob/inbox/mallory", 10, false, t0 + 100ms), refusal::publish_rate);
    // A full burst again after 2 s, no more.
    for (int i = 0; i < 20; ++i) ASSERT_EQ(g.check_publish("mallory", "topics/t/mallory", 10, false, t0 + 60s), refusal::none);
    EXPECT_EQ(g.check_publish("mallory", "topics/t/mallory", 10, false, t0 + 60s), refusal::publish_rate);
}

TEST(guard_limits, RequestsHaveTheirOwnRateAndExemptUsersNone) {
    limits l;
    l.request_rate = 1;
    l.request_burst = 3;
    guard_state g(l);
    g.exempt_from_rates("papo-admin");
    for (int i = 0; i < 3; ++i) ASSERT_EQ(g.check_publish("alice", "server/v1/request/alice", 30, false, t0), refusal::none);
    EXPECT_EQ(g.check_publish("alice", "server/v1/request/alice", 30, false, t0), refusal::request_rate);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 30, false, t0), refusal::none);  // DMs still go
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(g.check_publish("papo-admin", "server/v1/request/papo-admin", 30, false, t0), refusal::none);
    EXPECT_EQ(g.check_publish("papo-admin", "server/v1/request/papo-admin", 70000, false, t0), refusal::too_large);
}

TEST(guard_limits, ADmToAFullQueueIsRefusedUntilItIsNoLongerFull) {
    guard_state g;
    g.set_queue_full("bob", true);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 10, false, t0), refusal::queue_full);
    EXPECT_EQ(g.check_publish("alice", "users/carol/inbox/alice", 10, false, t0), refusal::none);
    EXPECT_EQ(g.check_publish("bob", "users/alice/receipts/bob", 10, false, t0), refusal::none);  // bob drains
    EXPECT_EQ(g.check_publish("alice", "topics/lobby/alice", 10, false, t0), refusal::none);
    g.set_queue_full("bob", false);
    EXPECT_EQ(g.check_publish("alice", "users/bob/inbox/alice", 10, false, t0), refusal::none);
}

TEST(guard_limits, ConnectionsPerAccountAreLimited) {
    limits l;
    l.max_connections = 2;
    guard_state g(l);
    int a = 0, b = 0, c = 0, d = 0;
    EXPECT_EQ(g.login_attempt(&a, "alice", "127.0.0.1", t0), login::allow);
    EXPECT_EQ(g.login_attempt(&b, "alice", "127.0.0.1", t0), login::allow);
    EXPECT_EQ(g.login_attempt(&c, "alice", "127.0.0.1", t0), login::too_many_connections);
    EXPECT_EQ(g.login_attempt(&d, "bob", "127.0.0.1", t0), login::allow);
    g.disconnected(&c, true, t0);  // refused here: not a failed guess
    g.disconnected(&a, false, t0);
    EXPECT_EQ(g.connections_of("alice"), 1u);
    EXPECT_EQ(g.login_attempt(&c, "alice", "127.0.0.1", t0), login::allow);
    EXPECT_EQ(g.connections_of("alice"), 2u);
}

TEST(guard_limits, FailedLoginsAreThrottledPerAccount) {
    limits l;
    l.login_failures_per_account = 3;
    l.login_failure_refill_per_account = 0.5;  // one every 2 s
    guard_state g(l);
    int k[10] = {};
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(g.login_attempt(&k[i], "alice", "10.0.0.1", t0), login::allow);
        g.disconnected(&k[i], true, t0);
    }
    EXPECT_EQ(g.login_attempt(&k[3], "alice", "10.0.0.2", t0), login::throttled);  // even the right password
    g.disconnected(&k[3], true, t0);  // refused unchecked: does not lengthen the throttle
    EXPECT_EQ(g.login_attempt(&k[4], "bob", "10.0.0.1", t0), login::allow);
    g.disconnected(&k[4], false, t0);
    EXPECT_EQ(g.login_attempt(&k[5], "alice", "10.0.0.1", t0 + 2s), login::allow);
    g.disconnected(&k[5], true, t0 + 2s);
    EXPECT_EQ(g.login_attempt(&k[6], "alice", "10.0.0.1", t0 + 2s), login::throttled);
}

TEST(guard_limits, FailedLoginsAreThrottledPerAddressAcrossAccounts) {
    limits l;
    l.login_failures_per_address = 5;
    l.login_failure_refill_per_address = 1;
    guard_state g(l);
    int k[10] = {};
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(g.login_attempt(&k[i], "guess" + std::to_string(i), "10.0.0.9", t0), login::allow);
        g.disconnected(&k[i], true, t0);
    }
    EXPECT_EQ(g.login_attempt(&k[5], "someone", "10.0.0.9", t0), login::throttled);
    EXPECT_EQ(g.login_attempt(&k[6], "someone", "10.0.0.8", t0), login::allow);
}

TEST(guard_limits, SubscriptionsPerAccountAreLimited) {
    limits l;
    l.max_subscriptions = 3;
    guard_state g(l);
    EXPECT_TRUE(g.may_subscribe(2));
    EXPECT_FALSE(g.may_subscribe(3));
    l.max_subscriptions = 0;
    EXPECT_TRUE(guard_state(l).may_subscribe(1000000));
}

TEST(guard_limits, InventedNamesDoNotGrowMemoryForever) {
    guard_state g;
    int k = 0;
    for (int i = 0; i < 1000; ++i) {
        g.login_attempt(&k, "nobody-" + std::to_string(i), "10.0.0.1", t0);
        g.disconnected(&k, true, t0);
    }
    g.prune(t0 + 1h);
    // Pruned accounts start again with a full bucket: nothing left over.
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(g.login_attempt(&k, "nobody-1", "10.0.0.1", t0 + 1h), login::allow);
        g.disconnected(&k, true, t0 + 1h);
    }
    EXPECT_EQ(g.login_attempt(&k, "nobody-1", "10.0.0.1", t0 + 1h), login::throttled);
}

TEST(guard_limits, OptionsAreParsedAndBadOnesRefused) {
    limits l;
    EXPECT_EQ(set_option(l, "publish_rate", "50"), "");
    EXPECT_DOUBLE_EQ(l.publish_rate, 50);
    EXPECT_EQ(set_option(l, "max_connections_per_account", "4"), "");
    EXPECT_EQ(l.max_connections, 4u);
    EXPECT_EQ(set_option(l, "connect_timeout", "3"), "");
    EXPECT_EQ(l.connect_timeout, 3s);
    EXPECT_NE(set_option(l, "publish_rate", "-1"), "");
    EXPECT_NE(set_option(l, "publish_rate", "fast"), "");
    EXPECT_NE(set_option(l, "no_such_limit", "1"), "");
    // Beyond what the field holds (the fuzzer found 3e124 for connect_timeout).
    EXPECT_NE(set_option(l, "connect_timeout", "3e124"), "");
    EXPECT_NE(set_option(l, "max_payload_bytes", "1e10"), "");
    EXPECT_EQ(l.connect_timeout, 3s);
}

}  // namespace
