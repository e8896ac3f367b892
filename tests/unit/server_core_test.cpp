// papo-server's decisions (server_core.h), without a broker: requests in, plans
// (answer, broker actions, registry change) out; observed traffic in, queue depths out.
// `run` commits a plan as the runner does once every action succeeded.
#include "papo/messages.h"
#include "papo/server/server_core.h"

#include <gtest/gtest.h>

#include "papo/error.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <string>
#include <vector>

namespace papo {
namespace {

using action_kind = server_action::kind;

server_plan run(server_core& core, const std::string& from, const nlohmann::json& request) {
    auto plan = core.handle(from, request);
    core.commit(plan);
    return plan;
}

class server_decisions : public ::testing::Test {
protected:
    server_plan ask(const std::string& from, const std::string& command, const std::string& name = "") {
        nlohmann::json request{{"command", command}};
        if (!name.empty()) request["name"] = name;
        if (command == "users.add" || command == "queues.add") request["password"] = "a-good-password";
        return run(core, from, request);
    }
    static bool ok(const server_plan& o) { return o.response.value("ok", false); }
    static std::string why(const server_plan& o) { return o.response.value("error", ""); }
    void must(const server_plan& o) { ASSERT_TRUE(ok(o)) << o.response.dump(); }
    void add_user(const std::string& name) { must(ask(admin_name, "users.add", name)); }
    void add_topic(const std::string& name) { must(ask(admin_name, "topics.add", name)); }
    void join(const std::string& user, const std::string& topic) { must(ask(user, "topics.join", topic)); }

    server_core core;
};

// --- Registration -------------------------------------------------------------

TEST_F(server_decisions, RegistrationCreatesTheAccountThenTheQueueThenTheRegistryEntry) {
    auto o = ask(admin_name, "users.add", "alice");
    ASSERT_TRUE(ok(o)) << why(o);
    EXPECT_EQ(o.response["command"], "users.add");
    EXPECT_EQ(o.response["data"]["name"], "alice");
    EXPECT_EQ(o.response["data"]["kind"], "user");
    EXPECT_EQ(o.response.dump().find("a-good-password"), std::string::npos);  // never echoed
    ASSERT_EQ(o.actions.size(), 3u);
    EXPECT_EQ(o.actions[0].type, action_kind::create_account);
    EXPECT_EQ(o.actions[0].name, "alice");
    EXPECT_EQ(o.actions[0].password, "a-good-password");
    EXPECT_EQ(o.actions[1].type, action_kind::open_queue);
    EXPECT_EQ(o.actions[1].name, "alice");
    EXPECT_EQ(o.actions[1].subscriptions.inbox, (std::vector<std::string>{"users/alice/inbox/+", "users/alice/receipts/+"}));
    EXPECT_TRUE(o.actions[1].subscriptions.posts.empty());
    EXPECT_EQ(o.actions[2].type, action_kind::publish_retained);
    EXPECT_EQ(o.actions[2].topic, "registry/users/alice");
    EXPECT_EQ(o.actions[2].payload.find("a-good-password"), std::string::npos);  // not in the registry
    const auto entry = decode<user_record>(o.actions[2].payload);
    EXPECT_EQ(entry.name, "alice");
    EXPECT_FALSE(entry.is_queue);
    ASSERT_NE(core.state().find_user("alice"), nullptr);
    EXPECT_EQ(core.depth("alice"), 0u);
}

TEST_F(server_decisions, TheManagerMayRegisterAnyone) {
    must(ask(admin_name, "users.add", "bob"));
    EXPECT_NE(core.state().find_user("bob"), nullptr);
}

TEST_F(server_decisions, DuplicateNamesAreRefusedWhateverTheCase) {
    add_user("alice");
    for (const char* again : {"alice", "ALICE", "Alice", "aLiCe"}) {
        auto o = ask(admin_name, "users.add", again);
        EXPECT_FALSE(ok(o)) << again;
        EXPECT_NE(why(o).find("taken"), std::string::npos) << why(o);
        EXPECT_TRUE(o.actions.empty()) << again;  // nothing may touch the existing queue
    }
    EXPECT_FALSE(ok(ask("ALICE", "users.add", "ALICE")));
    EXPECT_FALSE(ok(ask(admin_name, "queues.add", "Alice")));  // users and named queues share names
    EXPECT_EQ(core.state().find_user("alice")->name, "alice");  // the first spelling is kept
}

TEST_F(server_decisions, NamedQueuesAndUsersShareOneNamespace) {
    auto queue = ask(admin_name, "queues.add", "alerts");
    must(queue);
    EXPECT_TRUE(queue.actions[0].is_queue);  // an account with a named queue's rights only
    add_topic("lobby");
    EXPECT_EQ(ask("alerts", "topics.join", "lobby").response.value("code", ""), "forbidden");
    auto o = ask(admin_name, "users.add", "alerts");
    EXPECT_FALSE(ok(o));
    EXPECT_NE(why(o).find("a queue"), std::string::npos) << why(o);
}

TEST_F(server_decisions, InvalidNamesAreRefusedWithTheReason) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"a/b", "'/'"}, {"a+b", "'+'"}, {"a b", "whitespace"}, {"papo-x", "reserved"},
        {std::string(65, 'a'), "too long"}, {"\xC3\x28", "UTF-8"},
    };
    for (const auto& [name, reason] : cases) {
        auto o = ask(admin_name, "users.add", name);
        EXPECT_FALSE(ok(o)) << name;
        EXPECT_NE(why(o).find("invalid user name"), std::string::npos) << why(o);
        EXPECT_NE(why(o).find(reason), std::string::npos) << why(o);
        EXPECT_TRUE(o.actions.empty());
        EXPECT_NE(why(ask(admin_name, "topics.add", name)).find("invalid topic name"), std::string::npos) << name;
    }
    // An empty name is an invalid name too, not a missing one.
    EXPECT_FALSE(ok(run(core, admin_name, {{"command", "users.add"}, {"name", ""}})));
    EXPECT_TRUE(core.state().users().empty());
    EXPECT_TRUE(core.state().topics().empty());
}

TEST_F(server_decisions, OnlyTheManagerCreatesAccounts) {
    for (const char* from : {"mallory", "bob", "Bob"}) {
        auto o = ask(from, "users.add", "bob");
        EXPECT_FALSE(ok(o));
        EXPECT_NE(why(o).find("papo-admin"), std::string::npos) << why(o);
        EXPECT_TRUE(o.actions.empty());
    }
    EXPECT_EQ(core.state().find_user("bob"), nullptr);
}

TEST_F(server_decisions, AccountsNeedAPasswordOfSaneLength) {
    for (const nlohmann::json& password : {nlohmann::json(), nlohmann::json(12345678), nlohmann::json("short"),
                                           nlohmann::json(std::string(257, 'p')), nlohmann::json("bad\xff utf8 here")}) {
        nlohmann::json request{{"command", "users.add"}, {"name", "bob"}};
        if (!password.is_null()) request["password"] = password;
        auto o = run(core, admin_name, request);
        EXPECT_FALSE(ok(o)) << password.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        EXPECT_NE(why(o).find("password"), std::string::npos) << why(o);
        EXPECT_TRUE(o.actions.empty());
    }
    EXPECT_EQ(core.state().find_user("bob"), nullptr);
}

TEST_F(server_decisions, ServiceNamesAreReserved) {
    for (const char* name : {"papo-server", "papo-admin", "PAPO-Admin"}) {
        auto o = ask(admin_name, "users.add", name);
        EXPECT_FALSE(ok(o)) << name;
        EXPECT_NE(why(o).find("reserved"), std::string::npos) << why(o);
    }
}

TEST_F(server_decisions, TopicsOpenAndClosePostingOnTheBroker) {
    auto added = ask(admin_name, "topics.add", "lobby");
    ASSERT_TRUE(ok(added));
    ASSERT_EQ(added.actions.front().type, action_kind::grant_topic);
    EXPECT_EQ(added.actions.front().topic, "lobby");
    auto removed = ask(admin_name, "topics.rm", "lobby");
    ASSERT_TRUE(ok(removed));
    ASSERT_EQ(removed.actions.front().type, action_kind::revoke_topic);
    EXPECT_EQ(removed.actions.front().topic, "lobby");
}

TEST_F(server_decisions, TheManagerResetsPasswords) {
    add_user("bob");
    auto o = run(core, admin_name, {{"command", "users.passwd"}, {"name", "BOB"}, {"password", "another-password"}});
    ASSERT_TRUE(ok(o)) << why(o);
    ASSERT_EQ(o.actions.size(), 1u);
    EXPECT_EQ(o.actions[0].type, action_kind::set_password);
    EXPECT_EQ(o.actions[0].name, "bob");
    EXPECT_EQ(o.actions[0].password, "another-password");
    EXPECT_FALSE(ok(run(core, "bob", {{"command", "users.passwd"}, {"name", "bob"}, {"password", "another-password"}})));
    EXPECT_FALSE(ok(run(core, admin_name, {{"command", "users.passwd"}, {"name", "nobody"}, {"password", "another-password"}})));
}

TEST_F(server_decisions, AUserChangesOnlyItsOwnPassword) {
    add_user("bob");
    add_user("alice");
    // A "name" is ignored: the account changed is always the asker's.
    auto o = run(core, "bob", {{"command", "users.password"}, {"name", "alice"}, {"password", "bobs-new-password"}});
    ASSERT_TRUE(ok(o)) << why(o);
    ASSERT_EQ(o.actions.size(), 1u);
    EXPECT_EQ(o.actions[0].type, action_kind::set_password);
    EXPECT_EQ(o.actions[0].name, "bob");
    EXPECT_EQ(o.actions[0].password, "bobs-new-password");
    EXPECT_FALSE(ok(run(core, "bob", {{"command", "users.password"}, {"password", "short"}})));
    EXPECT_FALSE(ok(run(core, "nobody", {{"command", "users.password"}, {"password", "long-enough-password"}})));
    must(ask(admin_name, "queues.add", "alerts"));
    auto queue = run(core, "alerts", {{"command", "users.password"}, {"password", "long-enough-password"}});
    EXPECT_FALSE(ok(queue));
    EXPECT_TRUE(queue.actions.empty());
}

TEST_F(server_decisions, MalformedRequestsAreRefusedWithAReason) {
    EXPECT_NE(why(run(core, admin_name, {{"command", "users.add"}, {"name", 5}})).find("\"name\""), std::string::npos);
    EXPECT_NE(why(run(core, admin_name, {{"command", "users.add"}})).find("\"name\""), std::string::npos);
    EXPECT_NE(why(run(core, "x", nlohmann::json::array())).find("\"command\""), std::string::npos);
    EXPECT_NE(why(run(core, "x", {{"command", 7}})).find("\"command\""), std::string::npos);
    EXPECT_NE(why(run(core, "x", nlohmann::json())).find("\"command\""), std::string::npos);
    EXPECT_NE(why(ask("x", "users.explode")).find("unknown command"), std::string::npos);
}

// --- Who may do what ----------------------------------------------------------

TEST_F(server_decisions, ManagerCommandsAreRefusedForUsers) {
    add_user("alice");
    add_user("bob");
    add_topic("lobby");
    must(ask(admin_name, "queues.add", "alerts"));
    core.take_snapshots();
    for (const char* command : {"users.add", "users.passwd", "users.rm", "topics.add", "topics.rm", "queues.add",
                                "queues.rm", "queues.ls", "queues.purge"}) {
        for (const char* target : {"bob", "lobby", "alerts", "alice", "new"}) {
            auto o = ask("alice", command, target);
            EXPECT_FALSE(ok(o)) << command << " " << target;
            EXPECT_NE(why(o).find("papo-admin"), std::string::npos) << command << ": " << why(o);
            EXPECT_TRUE(o.actions.empty()) << command;
        }
    }
    // A user whose name differs from the manager's only in case is still a user.
    EXPECT_FALSE(ok(ask("PAPO-ADMIN", "users.rm", "bob")));
    EXPECT_NE(core.state().find_user("bob"), nullptr);
    EXPECT_NE(core.state().find_topic("lobby"), nullptr);
    EXPECT_NE(core.state().find_user("alerts"), nullptr);
}

TEST_F(server_decisions, AnyoneMayListAndLookUp) {
    add_user("alice");
    add_topic("lobby");
    join("alice", "lobby");
    auto users = ask("alice", "users.ls");
    ASSERT_TRUE(ok(users)) << why(users);
    ASSERT_EQ(users.response["data"].size(), 1u);
    EXPECT_EQ(users.response["data"][0]["name"], "alice");
    EXPECT_EQ(users.response["data"][0]["topics"], nlohmann::json::array({"lobby"}));
    auto info = ask("alice", "topics.info", "LOBBY");
    ASSERT_TRUE(ok(info)) << why(info);
    EXPECT_EQ(info.response["data"]["name"], "lobby");
    EXPECT_EQ(info.response["data"]["members"], nlohmann::json::array({"alice"}));
    EXPECT_NE(why(ask("alice", "users.info", "nobody")).find("no such user"), std::string::npos);
}

// --- Queue counting -------------------------------------------------------------

TEST_F(server_decisions, DirectMessagesCountWhetherTheReceiverIsOnlineOrNot) {
    add_user("alice");
    add_user("bob");
    core.on_direct_message("bob", "alice", "m1");
    core.on_presence("bob", true);
    core.on_direct_message("bob", "alice", "m2");
    core.on_presence("bob", false);
    core.on_direct_message("bob", "alice", "m3");
    EXPECT_EQ(core.depth("bob"), 3u);
    EXPECT_EQ(core.depth("alice"), 0u);
}

TEST_F(server_decisions, RedeliveredDirectMessagesAreCountedOnce) {
    add_user("bob");
    core.on_direct_message("bob", "alice", "m1");
    core.on_direct_message("bob", "alice", "m1");
    EXPECT_EQ(core.depth("bob"), 1u);
}

TEST_F(server_decisions, MessagesToUnknownReceiversAreNotCounted) {
    add_user("bob");
    core.on_direct_message("nobody", "bob", "m0");
    core.on_direct_message("BOB", "alice", "m1");  // another topic than bob's inbox: not bob's queue
    EXPECT_EQ(core.depth("nobody"), 0u);
    EXPECT_EQ(core.depth("bob"), 0u);
    EXPECT_EQ(core.depth("BOB"), 0u);
}

TEST_F(server_decisions, NamedQueuesCountTheirMessagesLikeUsers) {
    must(ask(admin_name, "queues.add", "alerts"));
    core.on_direct_message("alerts", "sensor", "m1");
    EXPECT_EQ(core.depth("alerts"), 1u);
}

TEST_F(server_decisions, PostsCountForEveryMemberButTheSender) {
    for (const char* name : {"alice", "bob", "carol", "dave"}) add_user(name);
    add_topic("lobby");
    join("alice", "lobby");
    join("bob", "lobby");
    join("carol", "lobby");
    core.on_presence("carol", true);  // online or offline: the message waits in the queue either way
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("alice"), 0u);  // the sender of a post is not counted
    EXPECT_EQ(core.depth("bob"), 1u);
    EXPECT_EQ(core.depth("carol"), 1u);
    EXPECT_EQ(core.depth("dave"), 0u);  // not a member
    core.on_post("lobby", "dave", "p2");  // a non-member's post still reaches the members
    EXPECT_EQ(core.depth("alice"), 1u);
    EXPECT_EQ(core.depth("bob"), 2u);
    core.on_post("lobby", "alice", "p1");  // redelivery
    EXPECT_EQ(core.depth("bob"), 2u);
}

TEST_F(server_decisions, AJoinerLearnsWhereEachSendersPostNumbersStand) {
    for (const char* name : {"alice", "bob", "carol"}) add_user(name);
    add_topic("lobby");
    join("alice", "lobby");
    core.on_post("lobby", "alice", "p1", 1, "s1");
    core.on_post("lobby", "alice", "p3", 3, "s1");
    core.on_post("lobby", "alice", "p2", 2, "s1");  // a late one does not lower it
    core.on_post("lobby", "carol", "c1", 7);         // a sender without a series
    core.on_post("lobby", "carol", "c2");            // a device without numbers
    const auto o = ask("bob", "topics.join", "lobby");
    ASSERT_TRUE(ok(o)) << o.response.dump();
    EXPECT_EQ(o.response["data"]["numbers"], (nlohmann::json{{"alice/s1", 3}, {"carol", 7}}));
    add_topic("empty");
    EXPECT_EQ(ask("bob", "topics.join", "empty").response["data"]["numbers"], nlohmann::json::object());
    must(ask(admin_name, "topics.rm", "lobby"));  // a topic made again starts afresh
    add_topic("lobby");
    EXPECT_EQ(ask("bob", "topics.join", "lobby").response["data"]["numbers"], nlohmann::json::object());
}

TEST_F(server_decisions, ATopicFromBeforeARestartTellsNoNumbers) {
    add_user("bob");
    core.load_topic({"old", "2026-11-01T00:00:00.000Z"});  // as loaded from the registry
    core.on_post("old", "alice", "p9", 9, "s1");
    const auto o = ask("bob", "topics.join", "old");
    ASSERT_TRUE(ok(o)) << o.response.dump();
    EXPECT_FALSE(o.response["data"].contains("numbers"));  // posts before the restart went unseen
}

TEST_F(server_decisions, PostsToUnknownTopicsAreNotCounted) {
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    core.on_post("other", "alice", "p1");
    core.on_post("LOBBY", "alice", "p2");  // another topic on the broker: bob is not subscribed to it
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST_F(server_decisions, LeavingATopicStopsItsCounting) {
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    core.on_post("lobby", "alice", "p1");
    auto left = ask("bob", "topics.leave", "lobby");
    ASSERT_TRUE(ok(left)) << why(left);
    EXPECT_TRUE(left.response["data"]["changed"].get<bool>());
    core.on_post("lobby", "alice", "p2");
    EXPECT_EQ(core.depth("bob"), 1u);  // what arrived before leaving still waits
    EXPECT_FALSE(ask("bob", "topics.leave", "lobby").response["data"]["changed"].get<bool>());
}

TEST_F(server_decisions, JoiningTwiceChangesNothing) {
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    auto again = ask("bob", "topics.join", "Lobby");
    ASSERT_TRUE(ok(again)) << why(again);
    EXPECT_FALSE(again.response["data"]["changed"].get<bool>());
    EXPECT_EQ(again.response["data"]["name"], "lobby");
    EXPECT_TRUE(again.actions.empty());
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("bob"), 1u);
}

TEST_F(server_decisions, ReceiptsDecrementTheReadersQueue) {
    add_user("bob");
    add_user("carol");
    add_topic("lobby");
    join("bob", "lobby");
    join("carol", "lobby");
    core.on_direct_message("bob", "alice", "m1");
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("bob"), 2u);
    core.on_receipt("bob", "alice", {"m1", "m1", "unknown"});
    EXPECT_EQ(core.depth("bob"), 1u);
    core.on_receipt("bob", "alice", {"p1"});
    EXPECT_EQ(core.depth("bob"), 0u);
    EXPECT_EQ(core.depth("carol"), 1u);  // bob's receipt is not carol's
    core.on_receipt("bob", "alice", {"p1"});
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST_F(server_decisions, PendingIdsAreTheReadersOwn) {
    add_user("bob");
    core.on_direct_message("bob", "alice", "m1");
    auto pending = ask("bob", "users.pending");
    ASSERT_TRUE(ok(pending)) << why(pending);
    EXPECT_EQ(pending.response["data"]["ids"], nlohmann::json::array({"m1"}));
    EXPECT_FALSE(ok(ask("nobody", "users.pending")));
}

// --- Topics ---------------------------------------------------------------------

TEST_F(server_decisions, RemovingATopicStopsCountingAndClearsMemberships) {
    add_user("alice");
    add_user("bob");
    add_topic("lobby");
    join("alice", "lobby");
    join("bob", "lobby");
    core.on_post("lobby", "carol", "p1");
    auto removed = ask(admin_name, "topics.rm", "LOBBY");
    ASSERT_TRUE(ok(removed)) << why(removed);
    EXPECT_EQ(removed.response["data"]["name"], "lobby");
    // Posting is revoked on the broker, each member's registry entry is rewritten
    // without the topic, then the topic is deleted.
    ASSERT_EQ(removed.actions.size(), 4u);
    EXPECT_EQ(removed.actions[0].type, action_kind::revoke_topic);
    removed.actions.erase(removed.actions.begin());
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(removed.actions[i].topic.rfind("registry/users/", 0), 0u) << removed.actions[i].topic;
        EXPECT_TRUE(decode<user_record>(removed.actions[i].payload).topics.empty());
    }
    EXPECT_EQ(removed.actions[2].topic, "registry/topics/lobby");
    EXPECT_TRUE(removed.actions[2].payload.empty());

    core.on_post("lobby", "carol", "p2");
    EXPECT_EQ(core.depth("bob"), 1u);  // p1 still waits; p2 is not counted
    EXPECT_TRUE(core.state().find_user("bob")->topics.empty());
    EXPECT_TRUE(core.state().members("lobby").empty());
    EXPECT_EQ(core.state().find_topic("lobby"), nullptr);
    EXPECT_NE(why(ask("bob", "topics.join", "lobby")).find("no such topic"), std::string::npos);

    add_topic("lobby");  // a new topic of the same name has no members
    core.on_post("lobby", "carol", "p3");
    EXPECT_EQ(core.depth("bob"), 1u);
}

TEST_F(server_decisions, TopicNamesAreUniqueWhateverTheCase) {
    add_topic("lobby");
    EXPECT_NE(why(ask(admin_name, "topics.add", "LOBBY")).find("exists"), std::string::npos);
    EXPECT_NE(why(ask(admin_name, "topics.rm", "nothing")).find("no such topic"), std::string::npos);
}

// --- Removing users and purging queues -------------------------------------------

TEST_F(server_decisions, RemovingAUserDeletesQueueRegistryAndPresence) {
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    core.on_direct_message("bob", "alice", "m1");
    auto removed = ask(admin_name, "users.rm", "BOB");
    ASSERT_TRUE(ok(removed)) << why(removed);
    ASSERT_EQ(removed.actions.size(), 5u);
    EXPECT_EQ(removed.actions[0].type, action_kind::delete_account);  // the account goes first
    EXPECT_EQ(removed.actions[0].name, "bob");
    removed.actions.erase(removed.actions.begin());
    EXPECT_EQ(removed.actions[0].type, action_kind::wipe_queue);
    EXPECT_EQ(removed.actions[0].name, "bob");
    std::vector<std::string> deleted;
    for (std::size_t i = 1; i < 4; ++i) {
        EXPECT_TRUE(removed.actions[i].payload.empty());
        deleted.push_back(removed.actions[i].topic);
    }
    std::sort(deleted.begin(), deleted.end());
    EXPECT_EQ(deleted, (std::vector<std::string>{"presence/bob", "registry/queues/bob", "registry/users/bob"}));
    EXPECT_EQ(core.state().find_user("bob"), nullptr);
    EXPECT_TRUE(core.state().members("lobby").empty());
    EXPECT_EQ(core.depth("bob"), 0u);
    EXPECT_TRUE(core.take_snapshots().empty());
    EXPECT_NE(why(ask(admin_name, "queues.rm", "bob")).find("no such"), std::string::npos);

    add_user("bob");  // the name is free again, and the new queue starts empty
    EXPECT_EQ(core.depth("bob"), 0u);
    core.on_post("lobby", "alice", "p1");
    EXPECT_EQ(core.depth("bob"), 0u);  // the old membership did not come back
}

TEST_F(server_decisions, UsersAndNamedQueuesAreRemovedByTheirOwnCommand) {
    add_user("bob");
    must(ask(admin_name, "queues.add", "alerts"));
    EXPECT_FALSE(ok(ask(admin_name, "queues.rm", "bob")));
    EXPECT_FALSE(ok(ask(admin_name, "users.rm", "alerts")));
    auto removed = ask(admin_name, "queues.rm", "alerts");
    ASSERT_TRUE(ok(removed)) << why(removed);
    EXPECT_EQ(removed.actions.size(), 4u);  // account, session, registry, snapshot: a named queue has no presence
}

TEST_F(server_decisions, PurgeIsRefusedWhileTheOwnerIsOnline) {
    add_user("bob");
    core.on_direct_message("bob", "alice", "m1");
    core.on_direct_message("bob", "alice", "m2");
    core.on_presence("bob", true);
    auto refused = ask(admin_name, "queues.purge", "bob");
    EXPECT_FALSE(ok(refused));
    EXPECT_NE(why(refused).find("online"), std::string::npos) << why(refused);
    EXPECT_TRUE(refused.actions.empty());
    EXPECT_EQ(core.depth("bob"), 2u);

    core.on_presence("bob", false);
    auto purged = ask(admin_name, "queues.purge", "bob");
    ASSERT_TRUE(ok(purged)) << why(purged);
    EXPECT_EQ(purged.response["data"]["purged"], 2);
    ASSERT_EQ(purged.actions.size(), 1u);
    EXPECT_EQ(purged.actions[0].type, action_kind::open_queue);  // a fresh, empty session
    EXPECT_EQ(purged.actions[0].subscriptions.inbox, (std::vector<std::string>{"users/bob/inbox/+", "users/bob/receipts/+"}));
    EXPECT_EQ(core.depth("bob"), 0u);
    EXPECT_NE(why(ask(admin_name, "queues.purge", "nobody")).find("no such queue"), std::string::npos);
}

TEST_F(server_decisions, PurgeKeepsTheQueuesTopicSubscriptions) {
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    auto purged = ask(admin_name, "queues.purge", "bob");
    ASSERT_TRUE(ok(purged)) << why(purged);
    ASSERT_EQ(purged.actions.size(), 1u);
    EXPECT_EQ(purged.actions[0].subscriptions.posts, (std::vector<std::string>{"topics/lobby/+"}));
}

// --- Snapshots and restart ---------------------------------------------------------

TEST_F(server_decisions, SnapshotsCoverOnlyChangedQueues) {
    add_user("bob");
    add_user("carol");
    auto first = core.take_snapshots();
    EXPECT_EQ(first.size(), 2u);  // new queues are written once, empty
    EXPECT_TRUE(core.take_snapshots().empty());

    core.on_direct_message("bob", "alice", "m1");
    core.on_direct_message("bob", "alice", "m1");
    auto snapshots = core.take_snapshots();
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_EQ(snapshots[0].type, action_kind::publish_retained);
    EXPECT_EQ(snapshots[0].topic, "registry/queues/bob");
    const auto snapshot = decode<queue_snapshot>(snapshots[0].payload, max_snapshot_bytes);
    EXPECT_EQ(snapshot.name, "bob");
    EXPECT_TRUE(snapshot.pending.empty());  // no id of unknown sender
    EXPECT_EQ(snapshot.pending_from, (std::map<std::string, std::vector<std::string>>{{"alice", {"m1"}}}));
    EXPECT_TRUE(core.take_snapshots().empty());

    core.on_receipt("carol", "alice", {"m1"});  // nothing of carol's changed
    core.on_direct_message("bob", "alice", "m1");  // a repeat changes nothing
    EXPECT_TRUE(core.take_snapshots().empty());
    core.on_receipt("bob", "mallory", {"m1"});  // a receipt to another sender changes nothing
    EXPECT_TRUE(core.take_snapshots().empty());
    core.on_receipt("bob", "alice", {"m1"});
    ASSERT_EQ(core.take_snapshots().size(), 1u);
}

TEST_F(server_decisions, LoadingTheRegistryRestoresTheStateAfterARestart) {
    add_user("alice");
    add_user("bob");
    add_topic("lobby");
    join("bob", "lobby");
    must(ask(admin_name, "queues.add", "alerts"));
    core.on_direct_message("bob", "alice", "m1");
    core.on_post("lobby", "alice", "p1");
    core.on_direct_message("alerts", "sensor", "a1");

    // What papo-server reads back from the retained registry.
    server_core restarted;
    restarted.load_topic(*core.state().find_topic("lobby"));
    for (const char* name : {"alice", "bob", "alerts"}) restarted.load_user(*core.state().find_user(name));
    for (const auto& snapshot : core.take_snapshots())
        restarted.load_queue(decode<queue_snapshot>(snapshot.payload, max_snapshot_bytes));

    EXPECT_EQ(restarted.depth("bob"), 2u);
    EXPECT_EQ(restarted.depth("alerts"), 1u);
    EXPECT_EQ(restarted.depth("alice"), 0u);
    EXPECT_EQ(restarted.state().members("lobby"), std::vector<std::string>{"bob"});
    EXPECT_TRUE(restarted.take_snapshots().empty());  // loading is not a change to write back

    // Counting and receipts go on where they were.
    restarted.on_post("lobby", "alice", "p2");
    restarted.on_post("lobby", "alice", "p1");  // already counted before the restart
    EXPECT_EQ(restarted.depth("bob"), 3u);
    restarted.on_receipt("bob", "alice", {"m1", "p1", "p2"});
    EXPECT_EQ(restarted.depth("bob"), 0u);

    // Names stay taken.
    EXPECT_FALSE(restarted.handle("bob", {{"command", "users.add"}, {"name", "Bob"}}).response["ok"].get<bool>());
    EXPECT_FALSE(
        restarted.handle(admin_name, {{"command", "topics.add"}, {"name", "lobby"}}).response["ok"].get<bool>());
    EXPECT_TRUE(restarted.state().find_user("alerts")->is_queue);
}

TEST_F(server_decisions, SnapshotsOfUnknownQueuesAreIgnoredOnLoad) {
    core.load_queue(queue_snapshot{"ghost", {"m1"}});
    EXPECT_EQ(core.depth("ghost"), 0u);
    EXPECT_EQ(core.state().find_user("ghost"), nullptr);
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

TEST(server_confirm, AReaderConfirmsIdsItAlreadyShowedAndOnlyItsOwn) {
    server_core core;
    for (const char* name : {"alice", "bob"})
        ASSERT_TRUE(run(core, admin_name, {{"command", "users.add"}, {"name", name}, {"password", "a-good-password"}})
                        .response.value("ok", false));
    core.on_direct_message("bob", "alice", "m1");
    core.on_direct_message("bob", "alice", "m2");
    core.on_direct_message("alice", "bob", "m3");
    auto o = run(core, "bob", {{"command", "users.confirm"}, {"ids", {"m1", "m3", "unknown"}}});
    ASSERT_TRUE(o.response.value("ok", false)) << o.response.dump();
    EXPECT_EQ(o.response["data"]["confirmed"], 1);  // m3 is alice's, not bob's
    EXPECT_EQ(core.depth("bob"), 1u);
    EXPECT_EQ(core.depth("alice"), 1u);
    EXPECT_FALSE(run(core, "bob", {{"command", "users.confirm"}, {"ids", "m2"}}).response.value("ok", true));
    EXPECT_FALSE(run(core, "bob", {{"command", "users.confirm"}, {"ids", {1, 2}}}).response.value("ok", true));
    EXPECT_FALSE(run(core, "nobody", {{"command", "users.confirm"}, {"ids", {"m2"}}}).response.value("ok", true));
    EXPECT_FALSE(run(core, "bob", {{"command", "users.confirm"}, {"ids", std::vector<std::string>(1001, "x")}})
                     .response.value("ok", true));
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

// --- Plans: nothing changes until the broker did every part ----------------------

TEST(server_plans, ARequestChangesNothingUntilItsPlanIsCommitted) {
    server_core core;
    run(core, admin_name, {{"command", "users.add"}, {"name", "alice"}, {"password", "a-good-password"}});
    core.take_changes();  // saved
    // Each of these is accepted, but its broker actions fail (the runner then never commits).
    const std::vector<nlohmann::json> refused_by_the_broker{
        {{"command", "topics.add"}, {"name", "lobby"}},
        {{"command", "users.add"}, {"name", "bob"}, {"password", "a-good-password"}},
        {{"command", "queues.add"}, {"name", "sensors"}, {"password", "a-good-password"}},
        {{"command", "users.rm"}, {"name", "alice"}},
    };
    for (const auto& request : refused_by_the_broker) {
        const auto plan = core.handle(admin_name, request);
        ASSERT_TRUE(plan.accepted()) << plan.response.dump();
        EXPECT_FALSE(plan.actions.empty()) << request.dump();
        EXPECT_FALSE(plan.change.empty()) << request.dump();
    }
    EXPECT_EQ(core.state().find_topic("lobby"), nullptr);
    EXPECT_EQ(core.state().find_user("bob"), nullptr);
    EXPECT_EQ(core.state().find_user("sensors"), nullptr);
    EXPECT_NE(core.state().find_user("alice"), nullptr);
    EXPECT_TRUE(core.take_changes().empty());  // nothing for the state folder either
    // So the same request may simply be asked again.
    EXPECT_TRUE(run(core, admin_name, {{"command", "topics.add"}, {"name", "lobby"}}).accepted());
    EXPECT_NE(core.state().find_topic("lobby"), nullptr);
}

TEST(server_plans, AJoinOrLeaveChangesTheMembershipOnlyOnCommit) {
    server_core core;
    run(core, admin_name, {{"command", "users.add"}, {"name", "alice"}, {"password", "a-good-password"}});
    run(core, admin_name, {{"command", "topics.add"}, {"name", "lobby"}});
    auto join = core.handle("alice", {{"command", "topics.join"}, {"name", "lobby"}});
    ASSERT_TRUE(join.accepted());
    ASSERT_EQ(join.change.users.size(), 1u);
    EXPECT_EQ(join.change.users[0].topics, std::vector<std::string>{"lobby"});
    EXPECT_TRUE(core.state().members("lobby").empty());
    core.commit(join);
    EXPECT_EQ(core.state().members("lobby"), std::vector<std::string>{"alice"});
    auto removed = core.handle(admin_name, {{"command", "topics.rm"}, {"name", "lobby"}});
    ASSERT_TRUE(removed.accepted());
    EXPECT_EQ(core.state().members("lobby"), std::vector<std::string>{"alice"});  // not committed
}

TEST(server_plans, WhatAFailedPlanUndoesOnTheBroker) {
    server_core core;
    const auto add = core.handle(admin_name, {{"command", "users.add"}, {"name", "bob"}, {"password", "a-good-password"}});
    ASSERT_EQ(add.undo.size(), 3u);
    EXPECT_EQ(add.undo[0].type, server_action::kind::delete_account);
    EXPECT_EQ(add.undo[1].type, server_action::kind::wipe_queue);
    EXPECT_EQ(add.undo[2].topic, "registry/users/bob");
    EXPECT_TRUE(add.undo[2].payload.empty());
    const auto topic = core.handle(admin_name, {{"command", "topics.add"}, {"name", "lobby"}});
    ASSERT_FALSE(topic.undo.empty());
    EXPECT_EQ(topic.undo[0].type, server_action::kind::revoke_topic);
}

TEST(server_plans, RefusalsCarryAStableCode) {
    server_core core;
    run(core, admin_name, {{"command", "users.add"}, {"name", "alice"}, {"password", "a-good-password"}});
    run(core, admin_name, {{"command", "topics.add"}, {"name", "lobby"}});
    const std::vector<std::tuple<std::string, nlohmann::json, std::string>> cases{
        {"alice", {{"command", "users.info"}, {"name", "nobody"}}, "no-such-user"},
        {"alice", {{"command", "topics.info"}, {"name", "nowhere"}}, "no-such-topic"},
        {admin_name, {{"command", "queues.purge"}, {"name", "nothing"}}, "no-such-queue"},
        {admin_name, {{"command", "queues.rm"}, {"name", "alice"}}, "no-such-queue"},
        {"alice", {{"command", "users.add"}, {"name", "x"}, {"password", "a-good-password"}}, "forbidden"},
        {"nobody", {{"command", "users.pending"}}, "not-registered"},
        {admin_name, {{"command", "users.add"}, {"name", "ALICE"}, {"password", "a-good-password"}}, "name-taken"},
        {admin_name, {{"command", "topics.add"}, {"name", "Lobby"}}, "name-taken"},
        {admin_name, {{"command", "users.add"}, {"name", "a/b"}, {"password", "a-good-password"}}, "invalid-name"},
        {admin_name, {{"command", "users.add"}, {"name", "papo-server"}, {"password", "a-good-password"}}, "invalid-name"},
        {admin_name, {{"command", "users.add"}, {"name", "bob"}, {"password", "short"}}, "bad-password"},
        {admin_name, {{"command", "users.add"}, {"name", 7}}, "bad-request"},
        {"alice", nlohmann::json::array(), "bad-request"},
        {"alice", {{"command", "users.explode"}}, "unknown-command"},
        {"alice", {{"command", "users.confirm"}, {"ids", std::vector<std::string>(1001, "x")}}, "too-many"},
    };
    for (const auto& [from, request, code] : cases) {
        const auto plan = core.handle(from, request);
        EXPECT_FALSE(plan.accepted()) << request.dump();
        EXPECT_EQ(plan.response.value("code", ""), code) << request.dump() << " -> " << plan.response.dump();
        EXPECT_EQ(kind_of_code(code) == error_kind::other, false) << code;
        EXPECT_TRUE(plan.actions.empty());
    }
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

// One user's flood of tiny DMs must not push a retained snapshot or an answer past the
// broker's packet limit (4 MiB), which made the broker drop papo-server at every republish.
TEST(server_limits, SnapshotsAndPendingAnswersStayUnderThePacketLimit) {
    server_core core;
    run(core, admin_name, {{"command", "users.add"}, {"name", "bob"}, {"password", "a-good-password"}});
    core.take_snapshots();
    for (int i = 0; i < 130000; ++i) core.on_direct_message("bob", "mallory", "mallory-message-" + std::to_string(i));
    EXPECT_EQ(core.depth("bob"), 130000u);
    const auto snapshots = core.take_snapshots();
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_LT(snapshots[0].payload.size(), 4u * 1024 * 1024);
    const auto snapshot = decode<queue_snapshot>(snapshots[0].payload, max_snapshot_bytes);
    EXPECT_EQ(snapshot.listed(), max_listed_ids);
    EXPECT_EQ(snapshot.messages, 130000u);  // the whole count is still told
    for (const auto& action : core.whole_registry()) EXPECT_LT(action.payload.size(), 4u * 1024 * 1024) << action.topic;
    const auto pending = run(core, "bob", {{"command", "users.pending"}});
    EXPECT_LT(encode(pending.response).size(), 4u * 1024 * 1024);
    EXPECT_EQ(pending.response["data"]["ids"].size(), max_listed_ids);
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

void must_ok(const server_plan& plan) { EXPECT_TRUE(plan.response.value("ok", false)) << plan.response.dump(); }

server_core with_users(queue_limits limits, const std::vector<std::string>& names) {
    server_core core(limits);
    for (const auto& name : names)
        EXPECT_TRUE(run(core, admin_name, {{"command", "users.add"}, {"name", name}, {"password", "a-good-password"}})
                        .response.value("ok", false));
    core.take_snapshots();
    return core;
}

// The snapshot action on registry/queues/<queue> among `actions`, decoded; fails when absent.
queue_snapshot snapshot_in(const std::vector<server_action>& actions, const std::string& queue,
                           std::string* full_property = nullptr) {
    for (const auto& a : actions)
        if (a.topic == "registry/queues/" + queue) {
            if (full_property)
                for (const auto& [key, value] : a.user_properties)
                    if (key == queue_full_property) *full_property = value;
            return decode<queue_snapshot>(a.payload, max_snapshot_bytes);
        }
    ADD_FAILURE() << "no snapshot of " << queue;
    return {};
}

// --- Issue 11 #1: a message is (sender, id) -----------------------------------------

TEST(server_senders, MallorysReceiptDoesNotClearAlicesMessageOfTheSameId) {
    auto core = with_users({}, {"alice", "bob", "mallory"});
    core.on_direct_message("bob", "alice", "x1");
    core.on_direct_message("bob", "mallory", "x1");  // mallory reuses alice's id
    EXPECT_EQ(core.depth("bob"), 2u);
    core.on_receipt("bob", "mallory", {"x1"});  // users/mallory/receipts/bob
    EXPECT_EQ(core.depth("bob"), 1u);
    const auto snapshot = snapshot_in(core.take_snapshots(), "bob");
    EXPECT_EQ(snapshot.pending_from, (std::map<std::string, std::vector<std::string>>{{"alice", {"x1"}}}));
    core.on_receipt("bob", "mallory", {"x1"});
    EXPECT_EQ(core.depth("bob"), 1u);
    core.on_receipt("bob", "alice", {"x1"});
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST(server_senders, AlicesReceiptDoesNotClearMallorysMessageOfTheSameId) {
    auto core = with_users({}, {"alice", "bob", "mallory"});
    core.on_direct_message("bob", "alice", "x1");
    core.on_direct_message("bob", "mallory", "x1");
    core.on_receipt("bob", "alice", {"x1"});
    EXPECT_EQ(core.depth("bob"), 1u);
    const auto snapshot = snapshot_in(core.take_snapshots(), "bob");
    EXPECT_EQ(snapshot.pending_from, (std::map<std::string, std::vector<std::string>>{{"mallory", {"x1"}}}));
}

TEST(server_senders, APostIsTheSendersInEveryMembersQueue) {
    auto core = with_users({}, {"alice", "bob", "mallory"});
    must_ok(run(core, admin_name, {{"command", "topics.add"}, {"name", "lobby"}}));
    must_ok(run(core, "bob", {{"command", "topics.join"}, {"name", "lobby"}}));
    core.on_post("lobby", "alice", "p1");
    core.on_direct_message("bob", "mallory", "p1");
    core.on_receipt("bob", "mallory", {"p1"});
    EXPECT_EQ(core.depth("bob"), 1u);  // alice's post still waits
    core.on_receipt("bob", "alice", {"p1"});
    EXPECT_EQ(core.depth("bob"), 0u);
}

TEST(server_senders, SendersSurviveARestart) {
    auto core = with_users({}, {"alice", "bob", "mallory"});
    core.on_direct_message("bob", "alice", "x1");
    core.on_direct_message("bob", "mallory", "x1");
    server_core restarted;
    for (const char* name : {"alice", "bob", "mallory"}) restarted.load_user(*core.state().find_user(name));
    restarted.load_queue(snapshot_in(core.take_snapshots(), "bob"));
    EXPECT_EQ(restarted.depth("bob"), 2u);
    restarted.on_receipt("bob", "mallory", {"x1"});
    EXPECT_EQ(restarted.depth("bob"), 1u);
    restarted.on_receipt("bob", "mallory", {"x1"});
    EXPECT_EQ(restarted.depth("bob"), 1u);  // alice's stays
}

TEST(server_senders, AnOldSnapshotWithoutSendersIsStillRead) {
    auto core = with_users({}, {"alice", "bob"});
    core.load_queue(decode<queue_snapshot>(R"({"name":"bob","messages":2,"pending":["a","b"]})", max_snapshot_bytes));
    EXPECT_EQ(core.depth("bob"), 2u);
    EXPECT_FALSE(core.queue_full("bob"));
    core.on_receipt("bob", "alice", {"a"});
    EXPECT_EQ(core.depth("bob"), 1u);
}

// --- Issue 11 #7: queue limits ------------------------------------------------------

TEST(server_queue_limits, EverySnapshotHasBytesFullAndTheUserProperty) {
    auto core = with_users({}, {"alice", "bob"});
    core.on_direct_message("bob", "alice", "m1", 120);
    std::string property;
    const auto actions = core.take_snapshots();
    const auto snapshot = snapshot_in(actions, "bob", &property);
    EXPECT_EQ(property, "0");
    const auto json = nlohmann::json::parse(actions[0].payload);
    EXPECT_EQ(json["bytes"], 120);
    EXPECT_EQ(json["full"], false);
    EXPECT_EQ(json["messages"], 1);
    for (const auto& a : core.whole_registry())
        if (a.topic.rfind("registry/queues/", 0) == 0) {
            ASSERT_EQ(a.user_properties.size(), 1u) << a.topic;
            EXPECT_EQ(a.user_properties[0], (std::pair<std::string, std::string>{queue_full_property, "0"}));
            const auto j = nlohmann::json::parse(a.payload);
            EXPECT_TRUE(j.contains("bytes") && j.contains("full")) << a.payload;
        }
}

TEST(server_queue_limits, AQueueAtTheLimitIsToldFullAtOnceAndNotFullAfterReceipts) {
    auto core = with_users(queue_limits{5, 0}, {"alice", "bob"});
    for (int i = 1; i <= 4; ++i) core.on_direct_message("bob", "alice", "m" + std::to_string(i), 10);
    EXPECT_TRUE(core.take_full_changes().empty());
    core.on_direct_message("bob", "alice", "m5", 10);
    EXPECT_TRUE(core.queue_full("bob"));
    std::string property;
    const auto urgent = core.take_full_changes();
    ASSERT_EQ(urgent.size(), 1u);
    EXPECT_EQ(urgent[0].type, action_kind::publish_retained);
    const auto snapshot = snapshot_in(urgent, "bob", &property);
    EXPECT_EQ(property, "1");
    EXPECT_TRUE(snapshot.full);
    EXPECT_EQ(snapshot.messages, 5u);
    EXPECT_EQ(snapshot.bytes, 50u);
    EXPECT_TRUE(nlohmann::json::parse(urgent[0].payload)["full"].get<bool>());
    EXPECT_TRUE(core.take_snapshots().empty());  // the urgent one was the snapshot

    core.on_receipt("bob", "alice", {"m1"});
    EXPECT_FALSE(core.queue_full("bob"));
    const auto relieved = core.take_full_changes();
    EXPECT_FALSE(snapshot_in(relieved, "bob", &property).full);
    EXPECT_EQ(property, "0");
}

TEST(server_queue_limits, TheByteLimitFillsAQueueToo) {
    auto core = with_users(queue_limits{0, 1000}, {"alice", "bob"});
    core.on_direct_message("bob", "alice", "m1", 999);
    EXPECT_TRUE(core.take_full_changes().empty());
    core.on_direct_message("bob", "alice", "m2", 1);
    std::string property;
    EXPECT_TRUE(snapshot_in(core.take_full_changes(), "bob", &property).full);
    EXPECT_EQ(property, "1");
}

TEST(server_queue_limits, ZeroMeansNoLimit) {
    auto core = with_users(queue_limits{0, 0}, {"alice", "bob"});
    for (int i = 0; i < 12000; ++i) core.on_direct_message("bob", "alice", "m" + std::to_string(i), 100000);
    EXPECT_FALSE(core.queue_full("bob"));
    EXPECT_TRUE(core.take_full_changes().empty());
    EXPECT_TRUE(core.full_queue_snapshots().empty());
}

TEST(server_queue_limits, AfterConnectingEveryFullQueueIsToldAgain) {
    auto core = with_users(queue_limits{2, 0}, {"alice", "bob", "carol"});
    for (const char* q : {"bob", "carol"}) {
        core.on_direct_message(q, "alice", "m1");
        core.on_direct_message(q, "alice", "m2");
    }
    core.take_full_changes();
    core.on_receipt("carol", "alice", {"m1"});  // not told yet when the broker went away
    const auto told = core.full_queue_snapshots();
    ASSERT_EQ(told.size(), 2u);
    std::string property;
    EXPECT_TRUE(snapshot_in(told, "bob", &property).full);
    EXPECT_EQ(property, "1");
    EXPECT_FALSE(snapshot_in(told, "carol", &property).full);
    EXPECT_EQ(property, "0");
    ASSERT_EQ(core.full_queue_snapshots().size(), 1u);  // bob, still full: every time
}

TEST(server_queue_limits, ARemovedQueueIsToldNotFull) {
    auto core = with_users(queue_limits{1, 0}, {"alice", "bob"});
    core.on_direct_message("bob", "alice", "m1");
    const auto plan = run(core, admin_name, {{"command", "users.rm"}, {"name", "bob"}});
    bool told = false;
    for (const auto& a : plan.actions)
        if (a.topic == "registry/queues/bob") {
            EXPECT_TRUE(a.payload.empty());
            EXPECT_EQ(a.user_properties, (std::vector<std::pair<std::string, std::string>>{{queue_full_property, "0"}}));
            told = true;
        }
    EXPECT_TRUE(told);
    EXPECT_TRUE(core.full_queue_snapshots().empty());
}

TEST(server_queue_limits, ARestartRestoresTheFullState) {
    auto core = with_users(queue_limits{2, 0}, {"alice", "bob"});
    core.on_direct_message("bob", "alice", "m1", 30);
    core.on_direct_message("bob", "alice", "m2", 30);
    const auto saved = snapshot_in(core.take_full_changes(), "bob");
    server_core restarted(queue_limits{2, 0});
    for (const char* name : {"alice", "bob"}) restarted.load_user(*core.state().find_user(name));
    restarted.load_queue(saved);
    EXPECT_TRUE(restarted.queue_full("bob"));
    EXPECT_EQ(restarted.queue_bytes("bob"), 60u);
    EXPECT_TRUE(restarted.take_full_changes().empty());        // as the snapshot said
    EXPECT_EQ(restarted.full_queue_snapshots().size(), 1u);    // but told after connecting
    restarted.on_receipt("bob", "alice", {"m1"});
    EXPECT_EQ(restarted.queue_bytes("bob"), 30u);
    EXPECT_EQ(restarted.take_full_changes().size(), 1u);
}

}  // namespace
}  // namespace papo
