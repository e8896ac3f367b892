// papo_guard's identity rules (broker-plugin/access_rules.h), without a broker.
#include "access_rules.h"

#include <gtest/gtest.h>

namespace papo::access {
namespace {

constexpr const char* server = "papo-server";

bool allowed(const char* user, action what, const char* topic) {
    return check_topic(user, what, topic, server) == verdict::defer;
}

TEST(access_rules, ClientIdsBelongToTheirUser) {
    EXPECT_EQ(check_client_id("bob", "bob", server), verdict::defer);
    EXPECT_EQ(check_client_id("bob", "bob~rpc-1f", server), verdict::defer);
    for (const char* id : {"alice", "bo", "bobby", "bob~", "xbob", "Bob", "", "bob/x"})
        EXPECT_EQ(check_client_id("bob", id, server), verdict::deny) << id;
    EXPECT_EQ(check_client_id("", "", server), verdict::deny);
    EXPECT_EQ(check_client_id(server, "alice", server), verdict::defer);  // it makes everyone's queue
}

TEST(access_rules, AQueueIsResumedNeverStartedClean) {
    EXPECT_EQ(check_session("bob", "bob", /*clean_start=*/false, server), verdict::defer);
    EXPECT_EQ(check_session("bob", "bob", /*clean_start=*/true, server), verdict::deny);  // would wipe bob's queue
    EXPECT_EQ(check_session("bob", "bob~rpc-1f", true, server), verdict::defer);           // a helper starts clean
    EXPECT_EQ(check_session(server, "bob", true, server), verdict::defer);                 // papo-server wipes queues
}

TEST(access_rules, NobodyWritesTheBrokersAnnouncements) {
    EXPECT_FALSE(allowed("bob", action::write, "broker/epoch"));
    EXPECT_FALSE(allowed("bob", action::write, "broker/other"));
    EXPECT_TRUE(allowed("bob", action::subscribe, "broker/epoch"));
    EXPECT_TRUE(allowed("bob", action::read, "broker/epoch"));
}

TEST(access_rules, OnlyPapoServerWritesUnderServerButTheAskersOwnRequests) {
    EXPECT_FALSE(allowed("bob", action::write, "server/v1/status"));
    EXPECT_FALSE(allowed("bob", action::write, "server/v1/response/bob/00"));
    EXPECT_FALSE(allowed("bob", action::write, "server/v1/sync/00"));
    EXPECT_TRUE(allowed("bob", action::write, "server/v1/request/bob"));
    EXPECT_FALSE(allowed("bob", action::write, "server/v1/request/alice"));
    EXPECT_TRUE(allowed("bob", action::subscribe, "server/v1/status"));
    EXPECT_TRUE(allowed("papo-server", action::write, "server/v1/status"));
}

TEST(access_rules, OnlyTheOwnerReadsUnderUsers) {
    for (auto what : {action::read, action::subscribe}) {
        EXPECT_TRUE(allowed("bob", what, "users/bob/inbox/alice"));
        EXPECT_TRUE(allowed("bob", what, "users/bob/#"));
        for (const char* topic : {"users/alice/inbox/bob", "users/+/inbox/+", "users/#", "#", "+/alice/inbox/+",
                                  "+/+/#", "server/v1/response/alice/1", "server/v1/response/+/1", "server/#",
                                  "server/+/response/alice/x"})
            EXPECT_FALSE(allowed("bob", what, topic)) << topic;
    }
    EXPECT_TRUE(allowed("bob", action::subscribe, "server/v1/response/bob/1f"));
    EXPECT_TRUE(allowed("bob", action::subscribe, "topics/lobby/+"));  // dynsec decides
    // A user named like a level of server/v1/... gains nothing from a leading wildcard.
    EXPECT_FALSE(allowed("v1", action::subscribe, "+/v1/response/#"));
    EXPECT_FALSE(allowed("+", action::subscribe, "users/+/inbox/+"));
    EXPECT_FALSE(allowed("#", action::read, "users/#"));
}

TEST(access_rules, SendersWriteOnlyUnderTheirOwnName) {
    EXPECT_TRUE(allowed("carol", action::write, "users/bob/inbox/carol"));
    EXPECT_TRUE(allowed("carol", action::write, "users/bob/receipts/carol"));
    EXPECT_TRUE(allowed("carol", action::write, "topics/lobby/carol"));
    EXPECT_TRUE(allowed("carol", action::write, "presence/carol"));
    EXPECT_TRUE(allowed("carol", action::write, "server/v1/request/carol"));
    for (const char* topic : {"users/bob/inbox/alice", "users/bob/receipts/alice", "topics/lobby/alice",
                              "topics/lobby/carol/x", "presence/alice", "server/v1/request/alice",
                              "users/bob/inbox", "users/carol/other/carol", "users/bob/inbox/carol/x"})
        EXPECT_FALSE(allowed("carol", action::write, topic)) << topic;
    EXPECT_TRUE(allowed("carol", action::write, "registry/users/alice"));  // not ours to refuse: dynsec does
}

TEST(access_rules, AnOwnPostIsNeverDeliveredBack) {
    EXPECT_FALSE(allowed("alice", action::read, "topics/lobby/alice"));
    EXPECT_TRUE(allowed("bob", action::read, "topics/lobby/alice"));
    EXPECT_TRUE(allowed("alice", action::subscribe, "topics/lobby/+"));  // the filter still covers others' posts
    EXPECT_TRUE(allowed("alice", action::write, "topics/lobby/alice"));
    EXPECT_EQ(check_topic(server, action::read, "topics/lobby/papo-server", server), verdict::defer);
}

TEST(access_rules, ThePrivilegedServiceIsLeftToDynsec) {
    EXPECT_TRUE(allowed(server, action::write, "users/bob/inbox/alice"));
    EXPECT_TRUE(allowed(server, action::subscribe, "#"));
    EXPECT_FALSE(allowed("", action::read, "topics/x/y"));
}

}  // namespace
}  // namespace papo::access

namespace papo::access {
namespace {

TEST(access_rules, OnlyPapoServersMainConnectionIsDeliveredRequests) {
    EXPECT_EQ(check_request_delivery(server, "papo-server", "server/v1/request/papo-admin", server), verdict::defer);
    // An operator with papo-server's login and a client id of its own: answers yes, requests
    // (they carry new passwords) no.
    for (const char* id : {"papo-server~ops", "mosq-Xq1kF9", "papo-server~load-1a2b3c4d", ""})
        EXPECT_EQ(check_request_delivery(server, id, "server/v1/request/papo-admin", server), verdict::deny) << id;
    EXPECT_EQ(check_request_delivery(server, "papo-server~ops", "server/v1/response/papo-admin/7f3a", server),
              verdict::defer);
    EXPECT_EQ(check_request_delivery("papo-admin", "papo-server", "server/v1/request/papo-admin", server), verdict::deny);
    EXPECT_EQ(check_request_delivery("alice", "alice", "server/v1/request/alice", server), verdict::deny);
    EXPECT_EQ(check_request_delivery("alice", "alice", "users/alice/inbox/bob", server), verdict::defer);
}

}  // namespace
}  // namespace papo::access
