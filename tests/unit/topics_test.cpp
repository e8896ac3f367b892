// The topic tree (topics.h): built in one place, parsed back into its parts.
#include "papo/topics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace papo {
namespace {

using kind = topics::route::kind;

TEST(topics, BuildsTheDocumentedTree) {
    EXPECT_EQ(topics::inbox("bob", "alice"), "users/bob/inbox/alice");
    EXPECT_EQ(topics::inbox_filter("bob"), "users/bob/inbox/+");
    EXPECT_EQ(topics::post("lobby", "alice"), "topics/lobby/alice");
    EXPECT_EQ(topics::post_filter("lobby"), "topics/lobby/+");
    EXPECT_EQ(topics::receipt("alice", "bob"), "users/alice/receipts/bob");
    EXPECT_EQ(topics::receipt_filter("alice"), "users/alice/receipts/+");
    EXPECT_EQ(topics::presence("bob"), "presence/bob");
    EXPECT_EQ(topics::registry_user("bob"), "registry/users/bob");
    EXPECT_EQ(topics::registry_topic("lobby"), "registry/topics/lobby");
    EXPECT_EQ(topics::registry_queue("bob"), "registry/queues/bob");
    EXPECT_EQ(topics::request("papo-admin"), "server/v1/request/papo-admin");
    EXPECT_EQ(topics::response("alice", "n1"), "server/v1/response/alice/n1");
    EXPECT_EQ(topics::sync_marker("n1"), "server/v1/sync/n1");
}

struct round_trip {
    std::string topic;
    kind type;
    std::string user;
    std::string topic_name;
    std::string from;
};

TEST(topics, ParsesBackEveryKindItBuilds) {
    const std::string jose = "jos\xC3\xA9";
    const round_trip cases[] = {
        {topics::inbox("bob", "alice"), kind::inbox, "bob", "", "alice"},
        {topics::inbox(jose, "Bob"), kind::inbox, jose, "", "Bob"},
        {topics::post("lobby", "carol"), kind::post, "", "lobby", "carol"},
        {topics::post(jose, jose), kind::post, "", jose, jose},
        {topics::receipt("alice", "bob"), kind::receipt, "alice", "", "bob"},
        {topics::presence("bob"), kind::presence, "bob", "", "bob"},
        {topics::request("alice"), kind::request, "", "", "alice"},
        {topics::registry_user("bob"), kind::registry_user, "bob", "", ""},
        {topics::registry_topic("lobby"), kind::registry_topic, "", "lobby", ""},
        {topics::registry_queue("bob"), kind::registry_queue, "bob", "", ""},
    };
    for (const auto& expected : cases) {
        const auto parsed = topics::parse(expected.topic);
        ASSERT_TRUE(parsed) << expected.topic;
        EXPECT_EQ(parsed->type, expected.type) << expected.topic;
        EXPECT_EQ(parsed->user, expected.user) << expected.topic;
        EXPECT_EQ(parsed->topic, expected.topic_name) << expected.topic;
        EXPECT_EQ(parsed->from, expected.from) << expected.topic;
    }
}

TEST(topics, RequestsFromPapoServicesAreAccepted) {
    auto admin = topics::parse("server/v1/request/papo-admin");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->type, kind::request);
    EXPECT_EQ(admin->from, "papo-admin");
    EXPECT_TRUE(admin->user.empty());
    EXPECT_FALSE(topics::parse("server/v1/request/papo-"));         // nothing after the prefix
    EXPECT_FALSE(topics::parse("server/v1/request/papo-a b"));      // the rest must be a valid name
    EXPECT_FALSE(topics::parse("server/v1/request/papo-papo-x"));
}

TEST(topics, ServiceNamesAreAcceptedOnlyAsRequesters) {
    EXPECT_FALSE(topics::parse("presence/papo-admin"));
    EXPECT_FALSE(topics::parse("users/papo-admin/inbox/alice"));
    EXPECT_FALSE(topics::parse("users/bob/inbox/papo-admin"));
    EXPECT_FALSE(topics::parse("topics/lobby/papo-server"));
    EXPECT_FALSE(topics::parse("registry/users/papo-x"));
}

TEST(topics, RejectsShapesOutsideTheTree) {
    for (const char* bad : {"",
                            "/",
                            "users",
                            "users/bob/inbox",
                            "users/bob/inbox/alice/x",
                            "users/bob/outbox/alice",
                            "USERS/bob/inbox/alice",
                            "/users/bob/inbox/alice",
                            "users/bob/inbox/alice/",
                            "topics/lobby",
                            "topics/lobby/alice/x",
                            "presence",
                            "presence/bob/x",
                            "other/thing",
                            "registry/x/y",
                            "registry/users",
                            "registry/users/bob/x",
                            "server/v2/request/alice",
                            "server/v1/request",
                            "server/v1/request/alice/x",
                            "server/v1/response/alice/n1",
                            "server/v1/sync/n1",
                            "users/bob/receipts",
                            "$SYS/broker/uptime"})
        EXPECT_FALSE(topics::parse(bad)) << "'" << bad << "'";
}

TEST(topics, RejectsWildcardsAndInvalidNamesInAnyLevel) {
    for (const std::string& bad : std::vector<std::string>{
             "users/+/inbox/alice", "users/bob/inbox/+", "users/bob/inbox/#", "topics/+/alice", "topics/#",
             "presence/+", "users//inbox/alice", "topics//alice", "presence/", "registry/users/", "server/v1/request/",
             "users/bo b/inbox/alice", "topics/lobby/\xC3\x28", "users/bob/inbox/\xC0\xAF", "presence/a\tb",
             "registry/topics/..", std::string("presence/a\0b", 12)})
        EXPECT_FALSE(topics::parse(bad)) << "'" << bad << "'";
}

TEST(topics, RejectsAnEmptySenderOrReader) {
    // An empty level is not a valid name (names_test: "" is refused), so these are
    // outside the tree; accepting them would count a message from nobody.
    for (const char* bad : {"users/bob/inbox/", "topics/lobby/", "users/alice/receipts/"})
        EXPECT_FALSE(topics::parse(bad)) << bad;
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

TEST(topics, PapoServerAnswersOnlyUnderTheAskersOwnResponseTopic) {
    EXPECT_TRUE(topics::is_response_topic_of(topics::response("alice", "0f0f"), "alice"));
    EXPECT_TRUE(topics::is_response_topic_of("server/v1/response/papo-admin/a/b", "papo-admin"));
    for (const char* elsewhere :
         {"users/bob/inbox/alice", "topics/lobby/alice", "registry/users/alice", "presence/alice",
          "server/v1/request/papo-admin", "users/alice/receipts/bob", "$SYS/broker/x", "server/v1/response/bob/1",
          "server/v1/response/alice", "server/v1/response/alice/", "server/v1/response/alice//x",
          "server/v1/response/alice/+", "server/v1/response/alice/#", "server/v1/response/aliceX/1",
          "server/v1/response/ALICE/1", ""})
        EXPECT_FALSE(topics::is_response_topic_of(elsewhere, "alice")) << elsewhere;
    EXPECT_FALSE(topics::is_response_topic_of("server/v1/response//1", ""));
}

}  // namespace
}  // namespace papo
