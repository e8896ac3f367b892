#include "papo/topics.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

using kind = topics::route::kind;

TEST(topics, BuildsTheDocumentedTree) {
    EXPECT_EQ(topics::inbox("bob", "alice"), "users/bob/inbox/alice");
    EXPECT_EQ(topics::inbox_filter("bob"), "users/bob/inbox/+");
    EXPECT_EQ(topics::post("lobby", "alice"), "topics/lobby/alice");
    EXPECT_EQ(topics::post_filter("lobby"), "topics/lobby/+");
    EXPECT_EQ(topics::receipt("alice", "bob"), "users/alice/receipts/bob");
    EXPECT_EQ(topics::presence("bob"), "presence/bob");
    EXPECT_EQ(topics::registry_user("bob"), "registry/users/bob");
    EXPECT_EQ(topics::request("papo-admin"), "server/v1/request/papo-admin");
}

TEST(topics, ParsesBackWhatItBuilds) {
    auto dm = topics::parse(topics::inbox("bob", "alice"));
    ASSERT_TRUE(dm);
    EXPECT_EQ(dm->type, kind::inbox);
    EXPECT_EQ(dm->first, "bob");
    EXPECT_EQ(dm->second, "alice");
    auto post = topics::parse(topics::post("lobby", "carol"));
    ASSERT_TRUE(post);
    EXPECT_EQ(post->type, kind::post);
    EXPECT_EQ(post->second, "carol");
    auto r = topics::parse(topics::receipt("alice", "bob"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, kind::receipt);
    auto q = topics::parse(topics::registry_queue("bob"));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->type, kind::registry_queue);
}

TEST(topics, RequestsFromPapoServicesAreAccepted) {
    auto admin = topics::parse("server/v1/request/papo-admin");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->first, "papo-admin");
    EXPECT_FALSE(topics::parse("server/v1/request/papo-"));
}

TEST(topics, RejectsShapesAndNamesOutsideTheTree) {
    for (const char* bad : {"users/bob/inbox", "users/bob/inbox/alice/x", "users//inbox/alice", "topics/lobby",
                            "other/thing", "", "users/bo b/inbox/alice", "presence/papo-server", "registry/x/y"})
        EXPECT_FALSE(topics::parse(bad)) << bad;
}

}  // namespace
}  // namespace papo
