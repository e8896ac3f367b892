#include "papo/queue_accounting.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

TEST(queue_accounting, CountsDistinctIdsUntilReceived) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.routed("bob", "a");
    queues.routed("bob", "a");
    queues.routed("bob", "b");
    queues.routed("nobody", "c");  // unknown queues are not created by traffic
    EXPECT_EQ(queues.depth("bob"), 2u);
    EXPECT_EQ(queues.depth("nobody"), 0u);
    queues.received("bob", {"a", "a", "zzz"});
    EXPECT_EQ(queues.depth("bob"), 1u);
    queues.purge("bob");
    EXPECT_EQ(queues.depth("bob"), 0u);
}

TEST(queue_accounting, ReportsWhichQueuesChanged) {
    queue_accounting queues;
    queues.add_queue("bob");
    queues.add_queue("carol");
    queues.take_changed();
    queues.routed("bob", "a");
    EXPECT_EQ(queues.take_changed(), std::set<std::string>{"bob"});
    EXPECT_TRUE(queues.take_changed().empty());
    queues.received("carol", {"x"});  // nothing to remove: no change
    EXPECT_TRUE(queues.take_changed().empty());
}

TEST(queue_accounting, RestoresPendingIds) {
    queue_accounting queues;
    queues.restore("bob", {"a", "b"});
    EXPECT_EQ(queues.depth("bob"), 2u);
    queues.received("bob", {"a"});
    EXPECT_EQ(queues.pending("bob"), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace papo
