// Queue depths (queue_accounting.h): pending ids per queue, kept exact under
// QoS 1 redeliveries, repeated receipts, purges and restarts.
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

TEST(queue_accounting, NewQueueIsEmpty) {
    queue_accounting queues;
    queues.add_queue("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_TRUE(queues.pending("bob").empty());
}

TEST(queue_accounting, CountsRoutedMessagesUntilReceived) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "a");
    queues.routed("bob", "b");
    queues.routed("bob", "c");
    EXPECT_EQ(queues.depth("bob"), 3u);
    queues.received("bob", {"a", "c"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    EXPECT_EQ(queues.pending("bob"), std::vector<std::string>{"b"});
}

TEST(queue_accounting, RedeliveriesAndRepeatedReceiptsDoNotSkewTheCount) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "a");
    queues.routed("bob", "a");  // QoS 1 redelivery of the same message
    queues.routed("bob", "b");
    EXPECT_EQ(queues.depth("bob"), 2u);
    queues.received("bob", {"a", "a"});
    queues.received("bob", {"a"});  // the same receipt again
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.received("bob", {"never-routed"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.received("bob", {"b"});
    queues.received("bob", {"b"});
    EXPECT_EQ(queues.depth("bob"), 0u);  // never below zero
}

TEST(queue_accounting, QueuesAreCountedSeparately) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    queues.routed("bob", "p1");  // one post, two members
    queues.routed("carol", "p1");
    queues.received("bob", {"p1"});
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.depth("carol"), 1u);
}

TEST(queue_accounting, TrafficDoesNotCreateUnknownQueues) {
    queue_accounting queues;
    queues.routed("nobody", "a");
    queues.received("nobody", {"a"});
    queues.purge("nobody");
    EXPECT_EQ(queues.depth("nobody"), 0u);
    EXPECT_TRUE(queues.take_changed().empty());
}

TEST(queue_accounting, PurgeEmptiesOneQueue) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    queues.routed("bob", "a");
    queues.routed("bob", "b");
    queues.routed("carol", "c");
    queues.take_changed();
    queues.purge("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_EQ(queues.depth("carol"), 1u);
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    queues.routed("bob", "a");  // a purged id may arrive again as a new message
    EXPECT_EQ(queues.depth("bob"), 1u);
}

TEST(queue_accounting, RemovedQueueIsForgotten) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "a");
    queues.remove_queue("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
    EXPECT_TRUE(queues.take_changed().empty());  // nothing left to snapshot
    queues.routed("bob", "b");
    EXPECT_EQ(queues.depth("bob"), 0u);
    queues.add_queue("bob");  // a new user of the same name starts empty
    EXPECT_EQ(queues.depth("bob"), 0u);
}

TEST(queue_accounting, RestoresPendingIdsAfterARestart) {
    queue_accounting queues;
    queues.restore("bob", {"a", "b", "b"});
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(sorted(queues.pending("bob")), (std::vector<std::string>{"a", "b"}));
    queues.routed("bob", "b");  // a message seen before the restart is not counted twice
    queues.routed("bob", "c");
    EXPECT_EQ(queues.depth("bob"), 3u);
    queues.received("bob", {"a"});
    EXPECT_EQ(sorted(queues.pending("bob")), (std::vector<std::string>{"b", "c"}));
}

TEST(queue_accounting, RestoringIsNotAChangeToSnapshot) {
    queue_accounting queues;
    queues.restore("bob", {"a"});
    EXPECT_TRUE(queues.take_changed().empty());
}

TEST(queue_accounting, ReportsEachChangedQueueOnce) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    EXPECT_EQ(queues.take_changed(), (std::set<std::string>{"bob", "carol"}));  // new queues need a snapshot
    EXPECT_TRUE(queues.take_changed().empty());
    queues.routed("bob", "a");
    queues.routed("bob", "b");
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    EXPECT_TRUE(queues.take_changed().empty());
    queues.routed("bob", "a");  // a repeat changes nothing
    queues.received("carol", {"x"});  // nothing to remove: no change
    EXPECT_TRUE(queues.take_changed().empty());
    queues.received("bob", {"a"});
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
}

}  // namespace
}  // namespace papo
