// papo-server's message store (server/message_store.h) on a real SQLite file.
#include "papo/server/message_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <stdlib.h>

namespace papo {
namespace {

class message_store_test : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-store-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string dir_;
};

// Rows of a table of the store's file, read beside the store (WAL: readers see commits).
long long rows_in(const std::string& dir, const std::string& table) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir + "/messages.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &s, nullptr);
    const long long n = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

std::vector<std::string> ids_of(const std::vector<stored_message>& messages) {
    std::vector<std::string> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
}

TEST_F(message_store_test, KeepsMessagesAcrossReopeningUntilConfirmed) {
    {
        message_store store(dir_);
        EXPECT_FALSE(store.existed());
        store.add("users/bob/inbox/alice", "{\"id\":\"1\"}", "alice", "1", {"bob"});
        store.add("users/bob/inbox/alice", "{\"id\":\"2\"}", "alice", "2", {"bob"});
        store.add("users/bob/inbox/alice", "{\"id\":\"1\"}", "alice", "1", {"bob"});  // a QoS 1 repeat
        store.commit();
    }
    message_store store(dir_);
    EXPECT_TRUE(store.existed());
    const auto waiting = store.waiting();
    ASSERT_EQ(waiting.size(), 2u);
    EXPECT_EQ(waiting[0].id, "1");
    EXPECT_EQ(waiting[0].bytes, 10u);
    store.remove("bob", "alice", {"1"});
    store.remove("bob", "carol", {"2"});  // another sender's id 2: not alice's
    store.commit();
    const auto left = store.unconfirmed();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].id, "2");
    EXPECT_EQ(left[0].topic, "users/bob/inbox/alice");
    EXPECT_EQ(left[0].payload, "{\"id\":\"2\"}");
}

TEST_F(message_store_test, APostIsStoredOnceAndListedOnceWithItsQueues) {
    message_store store(dir_);
    store.add("topics/lobby/alice", "p1", "alice", "p1", {"bob", "carol"}, "lobby");
    store.add("users/bob/inbox/dave", "d1", "dave", "d1", {"bob"});
    store.add("topics/lobby/alice", "p2", "alice", "p2", {"bob", "carol"}, "lobby");
    store.commit();
    auto all = store.unconfirmed();
    EXPECT_EQ(ids_of(all), (std::vector<std::string>{"p1", "d1", "p2"}));  // arrival order
    EXPECT_EQ(all[0].queues, (std::vector<std::string>{"bob", "carol"}));
    EXPECT_TRUE(all[0].post);
    store.remove("bob", "alice", {"p1"});
    all = store.unconfirmed();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].queues, (std::vector<std::string>{"carol"}));
    store.remove("carol", "alice", {"p1"});
    EXPECT_EQ(ids_of(store.unconfirmed()), (std::vector<std::string>{"d1", "p2"}));
    EXPECT_EQ(store.waiting().size(), 3u);
}

TEST_F(message_store_test, ConfirmingIdsTakesEverySendersAndPurgeEmptiesOneQueue) {
    message_store store(dir_);
    store.add("users/bob/inbox/alice", "a", "alice", "x", {"bob"});
    store.add("users/bob/inbox/carol", "c", "carol", "x", {"bob"});
    store.add("users/dave/inbox/alice", "d", "alice", "y", {"dave"});
    store.remove_ids("bob", {"x"});
    ASSERT_EQ(store.waiting().size(), 1u);
    store.purge("dave");
    EXPECT_TRUE(store.waiting().empty());
    EXPECT_TRUE(store.unconfirmed().empty());
}

TEST_F(message_store_test, HistoryKeepsTheNewestPostsOfATopicAfterTheyAreConfirmed) {
    message_store store(dir_, /*history_posts=*/3);
    for (int i = 0; i < 5; ++i) {
        const std::string id = "p" + std::to_string(i);
        store.add("topics/lobby/alice", id, "alice", id, {"bob"}, "lobby");
        store.remove("bob", "alice", {id});
    }
    store.add("topics/other/alice", "o", "alice", "o", {}, "other");
    EXPECT_EQ(ids_of(store.history("lobby", 10)), (std::vector<std::string>{"p2", "p3", "p4"}));
    EXPECT_EQ(ids_of(store.history("lobby", 2)), (std::vector<std::string>{"p3", "p4"}));
    EXPECT_EQ(ids_of(store.history("other", 10)), (std::vector<std::string>{"o"}));
    EXPECT_TRUE(store.unconfirmed().empty());
}

TEST_F(message_store_test, AnUnconfirmedPostOutlivesTheHistoryWindow) {
    message_store store(dir_, 1);
    store.add("topics/lobby/alice", "old", "alice", "old", {"bob"}, "lobby");
    store.add("topics/lobby/alice", "new", "alice", "new", {"bob"}, "lobby");
    EXPECT_EQ(ids_of(store.unconfirmed()), (std::vector<std::string>{"old", "new"}));
    store.remove("bob", "alice", {"old"});
    EXPECT_EQ(ids_of(store.history("lobby", 10)), (std::vector<std::string>{"new"}));
}

TEST_F(message_store_test, ReadDirectMessagesLeaveNothingBehind) {
    message_store store(dir_);
    for (int i = 0; i < 100; ++i) store.add("users/bob/inbox/alice", "m", "alice", std::to_string(i), {"bob"});
    store.add("users/bob/inbox/alice", "m", "alice", "7", {"bob"});  // a QoS 1 repeat
    store.commit();
    EXPECT_EQ(rows_in(dir_, "bodies"), 100);
    for (int i = 99; i >= 0; --i) store.remove("bob", "alice", {std::to_string(i)});
    store.remove("bob", "alice", {"7"});  // a repeated receipt
    store.commit();
    EXPECT_EQ(rows_in(dir_, "bodies"), 0);
    EXPECT_EQ(rows_in(dir_, "waiting"), 0);
}

TEST_F(message_store_test, PostsWaitingForAnOfflineMemberGoOnceReadOutsideTheHistory) {
    {
        message_store store(dir_, 5);
        for (int i = 0; i < 200; ++i) {
            const std::string id = "p" + std::to_string(i);
            store.add("topics/lobby/alice", id, "alice", id, {"bob", "carol"}, "lobby");
            store.remove("carol", "alice", {id});  // carol is online, bob is away
        }
        store.commit();
        EXPECT_EQ(rows_in(dir_, "bodies"), 200);  // bob waits for every one
        EXPECT_EQ(store.unconfirmed().size(), 200u);
        // bob reads them back to front: each goes at once, but the newest 5 stay as history.
        for (int i = 199; i >= 0; --i) store.remove("bob", "alice", {"p" + std::to_string(i)});
        store.commit();
        EXPECT_EQ(rows_in(dir_, "bodies"), 5);
        EXPECT_EQ(ids_of(store.history("lobby", 50)), (std::vector<std::string>{"p195", "p196", "p197", "p198", "p199"}));
    }
    // A smaller window at the next start prunes what fell out of it.
    message_store store(dir_, 2);
    EXPECT_EQ(rows_in(dir_, "bodies"), 2);
    EXPECT_EQ(ids_of(store.history("lobby", 50)), (std::vector<std::string>{"p198", "p199"}));
}

TEST_F(message_store_test, AStoreMadeBeforeThePostColumnOpensAndKeepsWorking) {
    {  // the schema of the first stores, with one DM and one post waiting
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open((dir_ + "/messages.sqlite").c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "CREATE TABLE bodies(body INTEGER PRIMARY KEY, topic TEXT NOT NULL, id TEXT NOT NULL, "
                               "sender TEXT NOT NULL, post_topic TEXT NOT NULL DEFAULT '', payload BLOB NOT NULL, UNIQUE(topic, id));"
                               "CREATE TABLE waiting(queue TEXT NOT NULL, sender TEXT NOT NULL, id TEXT NOT NULL, "
                               "body INTEGER NOT NULL, bytes INTEGER NOT NULL, PRIMARY KEY(queue, sender, id)) WITHOUT ROWID;"
                               "INSERT INTO bodies VALUES(1, 'users/bob/inbox/alice', 'd', 'alice', '', 'dm');"
                               "INSERT INTO bodies VALUES(2, 'topics/lobby/alice', 'p', 'alice', 'lobby', 'post');"
                               "INSERT INTO waiting VALUES('bob', 'alice', 'd', 1, 2);"
                               "INSERT INTO waiting VALUES('bob', 'alice', 'p', 2, 4);",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    message_store store(dir_);
    EXPECT_EQ(ids_of(store.unconfirmed()), (std::vector<std::string>{"d", "p"}));
    store.remove("bob", "alice", {"d", "p"});
    store.add("users/bob/inbox/alice", "dm2", "alice", "d2", {"bob"});
    store.commit();
    EXPECT_EQ(ids_of(store.unconfirmed()), (std::vector<std::string>{"d2"}));
    EXPECT_EQ(ids_of(store.history("lobby", 10)), (std::vector<std::string>{"p"}));  // kept as history
    EXPECT_EQ(rows_in(dir_, "bodies"), 2);
}

TEST_F(message_store_test, MetaValuesSurviveReopening) {
    {
        message_store store(dir_);
        EXPECT_FALSE(store.meta("broker_epoch"));
        store.set_meta("broker_epoch", "abc");
        store.set_meta("broker_epoch", "def");
        store.commit();
    }
    message_store store(dir_);
    EXPECT_EQ(store.meta("broker_epoch"), std::optional<std::string>("def"));
}

}  // namespace
}  // namespace papo
