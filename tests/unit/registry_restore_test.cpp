// papo-server's start-up merge (server_core::restore): its saved copy of the registry
// is the authority, and the broker's retained registry is repaired to match it.
#include "papo/messages.h"
#include "papo/server/server_core.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace papo {
namespace {

using action_kind = server_action::kind;

user_record user(const std::string& name, std::vector<std::string> topics = {},
                 const std::string& created_at = "2026-11-24T10:00:00.000Z") {
    return {name, false, created_at, std::move(topics)};
}
user_record named_queue(const std::string& name) { return {name, true, "2026-11-24T10:00:00.000Z", {}}; }
topic_record topic(const std::string& name) { return {name, "2026-11-24T10:00:00.000Z"}; }

const server_action* find(const std::vector<server_action>& actions, action_kind type, const std::string& name) {
    for (const auto& a : actions)
        if (a.type == type && (a.name == name || a.topic == name)) return &a;
    return nullptr;
}
const server_action* publish_of(const std::vector<server_action>& actions, const std::string& topic) {
    return find(actions, action_kind::publish_retained, topic);
}
TEST(restore, WhenTheBrokerKeptEverythingNothingIsRepaired) {
    const registry_copy both{{user("alice", {"lobby"}), named_queue("sensors")}, {topic("lobby")}};
    server_core core;
    const auto plan = core.restore(both, both, {{"alice", {"id-1", "id-2"}}});
    EXPECT_TRUE(plan.actions.empty());
    EXPECT_TRUE(plan.summary.empty());
    EXPECT_EQ(core.depth("alice"), 2u);  // the counts the broker kept
    EXPECT_EQ(core.state().members("lobby"), std::vector<std::string>{"alice"});
    EXPECT_TRUE(core.take_changes().empty());  // loading is not a change to save
}

TEST(restore, WithoutASavedCopyTheRetainedRegistryIsTakenAsItIs) {
    const registry_copy retained{{user("alice")}, {topic("lobby")}};
    server_core core;
    const auto plan = core.restore(retained, retained, {{"ghost", {"id-1"}}});
    EXPECT_NE(core.state().find_user("alice"), nullptr);
    ASSERT_EQ(plan.actions.size(), 1u);  // only the count of a queue nobody has goes
    EXPECT_EQ(plan.actions[0].topic, "registry/queues/ghost");
    EXPECT_EQ(plan.actions[0].payload, "");
}

TEST(restore, UsersTheBrokerLostAreRepublishedWithTheirQueueMadeAgain) {
    const registry_copy local{{user("alice"), user("dave", {"lobby"}), named_queue("sensors")}, {topic("lobby")}};
    const registry_copy retained{{user("alice")}, {}};
    server_core core;
    const auto plan = core.restore(local, retained, {});
    EXPECT_EQ(plan.summary.republished_users, (std::vector<std::string>{"dave", "sensors"}));
    EXPECT_EQ(plan.summary.remade_queues, (std::vector<std::string>{"dave", "sensors"}));
    EXPECT_EQ(plan.summary.republished_topics, std::vector<std::string>{"lobby"});
    const auto* entry = publish_of(plan.actions, "registry/users/dave");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(decode<user_record>(entry->payload).topics, std::vector<std::string>{"lobby"});
    ASSERT_NE(publish_of(plan.actions, "registry/topics/lobby"), nullptr);
    // The queue with users.add's filters (inbox, receipts, joined topics), but not emptied:
    // its reader may have come back before papo-server and made it already.
    const auto* queue = find(plan.actions, action_kind::repair_queue, "dave");
    ASSERT_NE(queue, nullptr);
    EXPECT_EQ(queue->subscriptions, (queue_subscriptions{{"users/dave/inbox/+", "users/dave/receipts/+"}, {"topics/lobby/+"}}));
    EXPECT_TRUE(queue->dropped.empty());
    EXPECT_NE(find(plan.actions, action_kind::repair_queue, "sensors"), nullptr);
    for (const auto& a : plan.actions) EXPECT_NE(a.type, action_kind::open_queue) << a.name;  // never emptied
    EXPECT_EQ(find(plan.actions, action_kind::repair_queue, "alice"), nullptr);  // kept as it is
    EXPECT_EQ(core.state().members("lobby"), std::vector<std::string>{"dave"});
}

TEST(restore, UsersRemovedAfterTheBrokersLastSaveAreRemovedAgain) {
    const registry_copy local{{user("alice")}, {}};
    const registry_copy retained{{user("alice"), user("carol"), named_queue("old-sensors")}, {}};
    server_core core;
    const auto plan = core.restore(local, retained, {{"carol", {"id-1"}}});
    EXPECT_EQ(plan.summary.removed_users, (std::vector<std::string>{"carol", "old-sensors"}));
    EXPECT_EQ(core.state().find_user("carol"), nullptr);
    for (const std::string name : {"carol", "old-sensors"}) {
        EXPECT_NE(find(plan.actions, action_kind::delete_account, name), nullptr) << name;
        EXPECT_NE(find(plan.actions, action_kind::wipe_queue, name), nullptr) << name;
        const auto* cleared = publish_of(plan.actions, "registry/users/" + name);
        ASSERT_NE(cleared, nullptr) << name;
        EXPECT_EQ(cleared->payload, "");
    }
    ASSERT_NE(publish_of(plan.actions, "presence/carol"), nullptr);
    EXPECT_EQ(publish_of(plan.actions, "presence/old-sensors"), nullptr);  // a named queue has no presence
    ASSERT_NE(publish_of(plan.actions, "registry/queues/carol"), nullptr);
    EXPECT_EQ(publish_of(plan.actions, "registry/queues/carol")->payload, "");
    // The account goes before the queue, as in users.rm.
    const auto account = std::find_if(plan.actions.begin(), plan.actions.end(),
                                      [](const server_action& a) { return a.type == action_kind::delete_account; });
    const auto queue = std::find_if(plan.actions.begin(), plan.actions.end(),
                                    [](const server_action& a) { return a.type == action_kind::wipe_queue; });
    EXPECT_LT(account - plan.actions.begin(), queue - plan.actions.begin());
}

TEST(restore, TopicsRemovedAfterTheBrokersLastSaveAreClosedAndCleared) {
    const registry_copy local{{user("alice")}, {topic("lobby")}};
    const registry_copy retained{{user("alice")}, {topic("lobby"), topic("old")}};
    server_core core;
    const auto plan = core.restore(local, retained, {});
    EXPECT_EQ(plan.summary.removed_topics, std::vector<std::string>{"old"});
    EXPECT_NE(find(plan.actions, action_kind::revoke_topic, "old"), nullptr);
    ASSERT_NE(publish_of(plan.actions, "registry/topics/old"), nullptr);
    EXPECT_EQ(publish_of(plan.actions, "registry/topics/old")->payload, "");
    EXPECT_EQ(publish_of(plan.actions, "registry/topics/lobby"), nullptr);
    EXPECT_EQ(core.state().find_topic("old"), nullptr);
}

TEST(restore, AChangedMembershipRepairsTheSessionWithoutEmptyingIt) {
    const registry_copy local{{user("alice", {"lobby"})}, {topic("lobby"), topic("quiet")}};
    const registry_copy retained{{user("alice", {"quiet"})}, {topic("lobby"), topic("quiet")}};
    server_core core;
    const auto plan = core.restore(local, retained, {{"alice", {"id-1"}}});
    EXPECT_EQ(plan.summary.republished_users, std::vector<std::string>{"alice"});
    EXPECT_TRUE(plan.summary.remade_queues.empty());
    EXPECT_EQ(find(plan.actions, action_kind::open_queue, "alice"), nullptr);
    const auto* repair = find(plan.actions, action_kind::repair_queue, "alice");
    ASSERT_NE(repair, nullptr);
    EXPECT_EQ(repair->subscriptions,
              (queue_subscriptions{{"users/alice/inbox/+", "users/alice/receipts/+"}, {"topics/lobby/+"}}));
    EXPECT_EQ(repair->dropped, std::vector<std::string>{"topics/quiet/+"});
    EXPECT_EQ(core.depth("alice"), 1u);  // its messages are still there, and counted
}

TEST(restore, AUserRegisteredAgainGetsAnEmptyQueueAndNoOldCount) {
    const registry_copy local{{user("bob", {}, "2026-11-24T11:00:00.000Z")}, {}};
    const registry_copy retained{{user("bob", {}, "2026-11-24T10:00:00.000Z")}, {}};
    server_core core;
    const auto plan = core.restore(local, retained, {{"bob", {"old-1", "old-2"}}});
    EXPECT_NE(find(plan.actions, action_kind::open_queue, "bob"), nullptr);
    EXPECT_EQ(core.depth("bob"), 0u);
    ASSERT_NE(publish_of(plan.actions, "registry/queues/bob"), nullptr);
    EXPECT_EQ(publish_of(plan.actions, "registry/queues/bob")->payload, "");
}

TEST(restore, ANameRespelledIsTheNewEntryAndTheOldSpellingGoes) {
    const registry_copy local{{user("Bob")}, {}};
    const registry_copy retained{{user("bob")}, {}};
    server_core core;
    const auto plan = core.restore(local, retained, {});
    EXPECT_NE(find(plan.actions, action_kind::repair_queue, "Bob"), nullptr);
    EXPECT_NE(find(plan.actions, action_kind::wipe_queue, "bob"), nullptr);
    ASSERT_NE(core.state().find_user("bob"), nullptr);
    EXPECT_EQ(core.state().find_user("bob")->name, "Bob");
}

TEST(restore, RequestsAfterARestoreAreSavedAsUsual) {
    const registry_copy local{{user("alice")}, {topic("lobby")}};
    server_core core;
    core.restore(local, {}, {});
    const auto plan = core.handle("alice", {{"command", "topics.join"}, {"name", "lobby"}});
    ASSERT_TRUE(plan.accepted());
    core.commit(plan);
    const auto change = core.take_changes();
    ASSERT_EQ(change.users.size(), 1u);
    EXPECT_EQ(change.users[0].topics, std::vector<std::string>{"lobby"});
}

}  // namespace
}  // namespace papo
