// Queue depths (queue_accounting.h): pending messages per queue, known by (sender, id),
// kept exact under QoS 1 redeliveries, repeated receipts, purges and restarts; and the
// queue limits: when a queue is full, and when that changes.
#include "papo/server/queue_accounting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace papo {
namespace {

std::vector<std::string> sorted(std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

// --- Counting -------------------------------------------------------------------

TEST(queue_accounting, NewQueueIsEmpty) {
    queue_accounting queues;
    queues.add_queue("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.bytes("bob"), 0u);
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_TRUE(queues.pending("bob").empty());
}

TEST(queue_accounting, CountsRoutedMessagesUntilReceived) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "a");
    queues.routed("bob", "alice", "b");
    queues.routed("bob", "alice", "c");
    EXPECT_EQ(queues.depth("bob"), 3u);
    queues.received("bob", "alice", {"a", "c"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.pending("bob"), std::vector<std::string>{"b"});
}

TEST(queue_accounting, RedeliveriesAndRepeatedReceiptsDoNotSkewTheCount) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "a", 10);
    queues.routed("bob", "alice", "a", 10);  // QoS 1 redelivery of the same message
    queues.routed("bob", "alice", "b", 20);
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(queues.bytes("bob"), 30u);
    queues.received("bob", "alice", {"a", "a"});
    queues.received("bob", "alice", {"a"});  // the same receipt again
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.bytes("bob"), 20u);
    queues.received("bob", "alice", {"never-routed"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.received("bob", "alice", {"b"});
    queues.received("bob", "alice", {"b"});
    EXPECT_EQ(queues.depth("bob"), 0u);  // never below zero
    EXPECT_EQ(queues.bytes("bob"), 0u);
}

TEST(queue_accounting, QueuesAreCountedSeparately) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    queues.routed("bob", "alice", "p1");  // one post, two members
    queues.routed("carol", "alice", "p1");
    queues.received("bob", "alice", {"p1"});
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.depth("carol"), 1u);
}

// Issue 11 #1: ids are chosen by senders, so mallory can send bob a DM with the id of
// alice's. Keyed on the id alone, bob's receipt to mallory took alice's message off the
// count (and a receipt to alice took mallory's).
TEST(queue_accounting, TheSameIdFromTwoSendersIsTwoMessages) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "x1", 100);
    queues.routed("bob", "mallory", "x1", 7);
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(queues.bytes("bob"), 107u);
    const auto snapshot = queues.snapshot("bob");
    EXPECT_TRUE(snapshot.pending.empty());
    EXPECT_EQ(snapshot.pending_from.at("alice"), std::vector<std::string>{"x1"});
    EXPECT_EQ(snapshot.pending_from.at("mallory"), std::vector<std::string>{"x1"});
    EXPECT_EQ(queues.pending("bob"), std::vector<std::string>{"x1"});  // users.pending lists an id once
}

TEST(queue_accounting, AReceiptToMalloryDoesNotClearAlicesMessageOfTheSameId) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "x1", 100);
    queues.routed("bob", "mallory", "x1", 7);
    queues.received("bob", "mallory", {"x1"});  // users/mallory/receipts/bob
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.bytes("bob"), 100u);
    EXPECT_EQ(queues.snapshot("bob").pending_from.count("alice"), 1u);
    queues.received("bob", "mallory", {"x1"});  // again: nothing left of mallory's
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.received("bob", "alice", {"x1"});
    EXPECT_EQ(queues.depth("bob"), 0u);
}

TEST(queue_accounting, AReceiptToAliceDoesNotClearMallorysMessageOfTheSameId) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "x1", 100);
    queues.routed("bob", "mallory", "x1", 7);
    queues.received("bob", "alice", {"x1"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.bytes("bob"), 7u);
    EXPECT_EQ(queues.snapshot("bob").pending_from.count("mallory"), 1u);
}

TEST(queue_accounting, AConfirmationByTheReaderNamesNoSenderSoTakesEvery) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "x1");
    queues.routed("bob", "mallory", "x1");
    queues.routed("bob", "alice", "x2");
    EXPECT_EQ(queues.waiting_among("bob", {"x1", "x1", "nope"}), 2u);
    queues.confirmed("bob", {"x1"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.pending("bob"), std::vector<std::string>{"x2"});
}

TEST(queue_accounting, TrafficDoesNotCreateUnknownQueues) {
    queue_accounting queues;
    queues.routed("nobody", "alice", "a");
    queues.received("nobody", "alice", {"a"});
    queues.confirmed("nobody", {"a"});
    queues.purge("nobody");
    EXPECT_EQ(queues.depth("nobody"), 0u);
    EXPECT_TRUE(queues.take_changed().empty());
    EXPECT_TRUE(queues.take_full_changes().empty());
}

TEST(queue_accounting, PurgeEmptiesOneQueue) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    queues.routed("bob", "alice", "a", 5);
    queues.routed("bob", "alice", "b", 5);
    queues.routed("carol", "alice", "c");
    queues.take_changed();
    queues.purge("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.bytes("bob"), 0u);
    EXPECT_EQ(queues.depth("carol"), 1u);
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    queues.routed("bob", "alice", "a");  // a purged id may arrive again as a new message
    EXPECT_EQ(queues.depth("bob"), 1u);
}

TEST(queue_accounting, RemovedQueueIsForgotten) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "alice", "a");
    queues.remove_queue("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_TRUE(queues.take_changed().empty());  // nothing left to snapshot
    queues.routed("bob", "alice", "b");
    EXPECT_EQ(queues.depth("bob"), 0u);
    queues.add_queue("bob");  // a new user of the same name starts empty
    EXPECT_EQ(queues.depth("bob"), 0u);
}

// --- Restart --------------------------------------------------------------------

TEST(queue_accounting, RestoresPendingMessagesWithTheirSendersAfterARestart) {
    queue_accounting queues;
    queue_snapshot saved{"bob", {}, 3};
    saved.pending_from = {{"alice", {"a", "x1"}}, {"mallory", {"x1"}}};
    saved.bytes = 30;
    queues.restore(saved);
    EXPECT_EQ(queues.depth("bob"), 3u);
    EXPECT_EQ(queues.bytes("bob"), 30u);  // shared among the listed messages
    queues.routed("bob", "alice", "a");   // a message seen before the restart is not counted twice
    queues.routed("bob", "alice", "c", 4);
    EXPECT_EQ(queues.depth("bob"), 4u);
    queues.received("bob", "mallory", {"x1"});
    queues.received("bob", "alice", {"a"});
    EXPECT_EQ(sorted(queues.pending("bob")), (std::vector<std::string>{"c", "x1"}));
    EXPECT_EQ(queues.snapshot("bob").pending_from.count("mallory"), 0u);
    queues.received("bob", "alice", {"x1", "c"});
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.bytes("bob"), 0u);  // the shares add up to the saved total
}

// A snapshot written before senders were kept: a plain list of ids, no bytes, no full.
TEST(queue_accounting, IdsOfAnOldSnapshotAreTakenByAReceiptToAnySender) {
    queue_accounting queues;
    queues.restore(queue_snapshot{"bob", {"a", "b", "b"}});
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(sorted(queues.snapshot("bob").pending), (std::vector<std::string>{"a", "b"}));
    queues.routed("bob", "alice", "b");  // seen before the restart: counted once, now as alice's
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(queues.snapshot("bob").pending_from.at("alice"), std::vector<std::string>{"b"});
    queues.received("bob", "carol", {"a"});  // its sender was not known: any receipt takes it
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.received("bob", "carol", {"b"});  // but b is alice's now
    EXPECT_EQ(queues.depth("bob"), 1u);
}

TEST(queue_accounting, RestoringIsNotAChangeToSnapshot) {
    queue_accounting queues;
    queues.restore(queue_snapshot{"bob", {"a"}});
    queues.ensure_queue("carol");
    EXPECT_TRUE(queues.take_changed().empty());
    EXPECT_TRUE(queues.take_full_changes().empty());
}

TEST(queue_accounting, ReportsEachChangedQueueOnce) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    EXPECT_EQ(queues.take_changed(), (std::set<std::string>{"bob", "carol"}));  // new queues need a snapshot
    EXPECT_TRUE(queues.take_changed().empty());
    queues.routed("bob", "alice", "a");
    queues.routed("bob", "alice", "b");
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    EXPECT_TRUE(queues.take_changed().empty());
    queues.routed("bob", "alice", "a");  // a repeat changes nothing
    queues.received("carol", "alice", {"x"});  // nothing to remove: no change
    queues.received("bob", "mallory", {"a"});  // not mallory's: no change
    EXPECT_TRUE(queues.take_changed().empty());
    queues.received("bob", "alice", {"a"});
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
}

// --- Limits ---------------------------------------------------------------------

TEST(queue_accounting, DefaultLimitsAreTenThousandMessagesAndSixtyFourMebibytes) {
    const queue_limits defaults;
    EXPECT_EQ(defaults.max_messages, 10000u);
    EXPECT_EQ(defaults.max_bytes, 67108864u);
}

TEST(queue_accounting, AQueueIsFullAtExactlyTheMessageLimit) {
    queue_accounting queues(queue_limits{3, 0});
    queues.add_queue("bob");
    queues.take_changed();
    queues.routed("bob", "alice", "m1");
    queues.routed("bob", "alice", "m2");
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_TRUE(queues.take_full_changes().empty());
    queues.routed("bob", "alice", "m3");
    EXPECT_TRUE(queues.full("bob"));
    EXPECT_TRUE(queues.snapshot("bob").full);
    EXPECT_EQ(queues.take_full_changes(), std::set<std::string>{"bob"});  // to tell at once
    EXPECT_TRUE(queues.take_changed().empty());  // the urgent snapshot covered it
    queues.routed("bob", "alice", "m4");  // a post still counts (the broker refuses only DMs)
    EXPECT_TRUE(queues.full("bob"));
    EXPECT_TRUE(queues.take_full_changes().empty());  // still full: nothing urgent
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    EXPECT_EQ(queues.full_queues(), std::vector<std::string>{"bob"});
}

TEST(queue_accounting, AFullQueueIsNotFullOnceReceiptsDrainIt) {
    queue_accounting queues(queue_limits{3, 0});
    queues.add_queue("bob");
    for (const char* id : {"m1", "m2", "m3"}) queues.routed("bob", "alice", id);
    EXPECT_EQ(queues.take_full_changes(), std::set<std::string>{"bob"});
    queues.received("bob", "mallory", {"m1", "m2"});  // receipts to another sender take nothing
    EXPECT_TRUE(queues.full("bob"));
    EXPECT_TRUE(queues.take_full_changes().empty());
    queues.received("bob", "alice", {"m1"});
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_FALSE(queues.snapshot("bob").full);
    EXPECT_EQ(queues.take_full_changes(), std::set<std::string>{"bob"});
    EXPECT_TRUE(queues.full_queues().empty());
    queues.received("bob", "alice", {"m2", "m3"});
    EXPECT_TRUE(queues.take_full_changes().empty());  // was not full, is not full
}

TEST(queue_accounting, AFullStateThatTurnsBackBeforeItWasToldIsNotUrgent) {
    queue_accounting queues(queue_limits{2, 0});
    queues.add_queue("bob");
    queues.routed("bob", "alice", "m1");
    queues.routed("bob", "alice", "m2");
    queues.received("bob", "alice", {"m2"});
    EXPECT_TRUE(queues.take_full_changes().empty());
}

TEST(queue_accounting, PurgeAndConfirmationsEndAFullState) {
    queue_accounting queues(queue_limits{2, 0});
    queues.add_queue("bob");
    queues.add_queue("carol");
    for (const char* q : {"bob", "carol"})
        for (const char* id : {"m1", "m2"}) queues.routed(q, "alice", id);
    EXPECT_EQ(queues.take_full_changes(), (std::set<std::string>{"bob", "carol"}));
    queues.purge("bob");
    queues.confirmed("carol", {"m1"});
    EXPECT_EQ(queues.take_full_changes(), (std::set<std::string>{"bob", "carol"}));
}

TEST(queue_accounting, AQueueIsFullAtTheByteLimit) {
    queue_accounting queues(queue_limits{0, 1000});
    queues.add_queue("bob");
    queues.routed("bob", "alice", "m1", 600);
    queues.routed("bob", "alice", "m1", 600);  // a redelivery adds nothing
    EXPECT_FALSE(queues.full("bob"));
    queues.routed("bob", "mallory", "m1", 399);
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_EQ(queues.bytes("bob"), 999u);
    queues.routed("bob", "mallory", "m2", 1);
    EXPECT_TRUE(queues.full("bob"));
    EXPECT_EQ(queues.snapshot("bob").bytes, 1000u);
    EXPECT_EQ(queues.take_full_changes(), std::set<std::string>{"bob"});
    queues.received("bob", "alice", {"m1"});
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_EQ(queues.bytes("bob"), 400u);
    EXPECT_EQ(queues.take_full_changes(), std::set<std::string>{"bob"});
}

TEST(queue_accounting, ZeroMeansNoLimit) {
    queue_accounting queues(queue_limits{0, 0});
    queues.add_queue("bob");
    for (int i = 0; i < 20000; ++i) queues.routed("bob", "alice", "m" + std::to_string(i), 1u << 20);
    EXPECT_EQ(queues.depth("bob"), 20000u);
    EXPECT_FALSE(queues.full("bob"));
    EXPECT_TRUE(queues.take_full_changes().empty());
    EXPECT_TRUE(queues.full_queues().empty());
}

TEST(queue_accounting, OnlyTheLimitThatIsSetCounts) {
    queue_accounting by_count(queue_limits{2, 0});
    by_count.add_queue("bob");
    by_count.routed("bob", "alice", "big", 1ull << 40);
    EXPECT_FALSE(by_count.full("bob"));
    queue_accounting by_bytes(queue_limits{0, 100});
    by_bytes.add_queue("bob");
    for (int i = 0; i < 50; ++i) by_bytes.routed("bob", "alice", "m" + std::to_string(i), 1);
    EXPECT_FALSE(by_bytes.full("bob"));
}

TEST(queue_accounting, ARestartUnderOtherLimitsTellsTheNewFullStateAtOnce) {
    queue_snapshot saved{"bob", {}, 3};
    saved.pending_from = {{"alice", {"m1", "m2", "m3"}}};
    saved.full = true;  // under the old limit of 3
    queue_accounting looser(queue_limits{10, 0});
    looser.restore(saved);
    EXPECT_FALSE(looser.full("bob"));
    EXPECT_EQ(looser.take_full_changes(), std::set<std::string>{"bob"});

    saved.full = false;
    queue_accounting stricter(queue_limits{2, 0});
    stricter.restore(saved);
    EXPECT_EQ(stricter.take_full_changes(), std::set<std::string>{"bob"});
    queue_accounting same(queue_limits{10, 0});
    same.restore(saved);
    EXPECT_TRUE(same.take_full_changes().empty());
}

// --- Listing --------------------------------------------------------------------

// Ids of 64 control characters take 384 bytes each as JSON: a count alone would let
// 50,000 of them make a 19 MB snapshot, past the broker's packet limit.
TEST(queue_accounting, ListingsStayWithinThePacketBudgetWhateverTheIds) {
    queue_accounting queues(queue_limits{0, 0});
    queues.add_queue("bob");
    for (int i = 0; i < 20000; ++i) {
        std::string id(58, '\x01');
        id += std::to_string(100000 + i);
        queues.routed("bob", "mallory", id);
    }
    const auto snapshot = queues.snapshot("bob");
    EXPECT_LT(snapshot.listed(), 20000u);
    EXPECT_EQ(snapshot.messages, 20000u);
    EXPECT_LE(encode(snapshot).size(), max_snapshot_bytes);
    const auto ids = queues.pending("bob");
    EXPECT_LE(encode(nlohmann::json(ids)).size(), queue_accounting::listing_budget_bytes);
}

}  // namespace
}  // namespace papo
