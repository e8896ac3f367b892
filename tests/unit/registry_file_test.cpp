// papo-server's saved copy of the registry (registry_file.h): what it saves comes
// back, a torn last write is ignored, damage elsewhere is refused, the journal stays small.
#include "papo/error.h"
#include "papo/server/registry.h"
#include "papo/server/registry_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace papo {
namespace {

namespace fs = std::filesystem;

user_record user(const std::string& name, std::vector<std::string> topics = {}) {
    return {name, false, "2026-11-24T10:00:00.000Z", std::move(topics)};
}
topic_record topic(const std::string& name) { return {name, "2026-11-24T10:00:00.000Z"}; }

std::vector<std::string> user_names(const registry_copy& copy) {
    std::vector<std::string> names;
    for (const auto& u : copy.users) names.push_back(u.name);
    return names;
}

class saved_registry : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-registry-file-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        root_ = pattern;
        dir_ = root_ + "/state/server";
    }
    void TearDown() override { fs::remove_all(root_); }

    std::string file() const { return dir_ + "/registry.jsonl"; }
    std::string text() const {
        std::ifstream in(file());
        return {std::istreambuf_iterator<char>(in), {}};
    }
    void add_bytes(const std::string& bytes) const { std::ofstream(file(), std::ios::app) << bytes; }
    std::size_t line_count() const {
        const auto t = text();
        return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
    }

    std::string root_, dir_;
};

TEST_F(saved_registry, ANewFolderHasNoCopyAndIsMadePrivate) {
    registry_file saved(dir_);
    EXPECT_FALSE(saved.load().has_value());
    struct stat info {};
    ASSERT_EQ(::stat(dir_.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(saved_registry, WhatIsSavedComesBack) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice", {"lobby"}), {"sensors", true, "2026-11-24T10:00:01.000Z", {}}}, {topic("lobby")}});
    }
    registry_file again(dir_);
    const auto copy = again.load();
    ASSERT_TRUE(copy.has_value());
    ASSERT_EQ(copy->users.size(), 2u);
    EXPECT_EQ(copy->users[0].name, "alice");
    EXPECT_EQ(copy->users[0].topics, std::vector<std::string>{"lobby"});
    EXPECT_TRUE(copy->users[1].is_queue);
    EXPECT_EQ(copy->users[1].created_at, "2026-11-24T10:00:01.000Z");
    ASSERT_EQ(copy->topics.size(), 1u);
    EXPECT_EQ(copy->topics[0].name, "lobby");
    EXPECT_FALSE(fs::exists(file() + ".tmp"));
}

TEST_F(saved_registry, AppendedChangesSurviveAReopenAndRemovalsIgnoreCase) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice"), user("Carol")}, {topic("lobby")}});
        registry_change change;
        change.users = {user("bob", {"lobby"})};
        change.removed_users = {"carol"};  // matched regardless of ASCII case
        saved.append(change);
        registry_change gone;
        gone.removed_topics = {"LOBBY"};
        saved.append(gone);
    }
    registry_file again(dir_);
    const auto copy = again.load();
    ASSERT_TRUE(copy.has_value());
    EXPECT_EQ(user_names(*copy), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_TRUE(copy->topics.empty());
}

TEST_F(saved_registry, ATornLastLineIsIgnoredAndCutOff) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
        registry_change change;
        change.users = {user("bob")};
        saved.append(change);
    }
    add_bytes(R"({"users":[{"name":"carol","kind":"user","created_a)");  // a write cut short
    {
        registry_file again(dir_);
        const auto copy = again.load();
        ASSERT_TRUE(copy.has_value());
        EXPECT_EQ(user_names(*copy), (std::vector<std::string>{"alice", "bob"}));
        EXPECT_EQ(text().back(), '\n');  // rewritten without the torn bytes
        registry_change change;
        change.users = {user("dave")};
        again.append(change);
    }
    registry_file third(dir_);
    EXPECT_EQ(user_names(*third.load()), (std::vector<std::string>{"alice", "bob", "dave"}));
}

TEST_F(saved_registry, AWholeLineWithoutItsNewlineWasNeverConfirmed) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
    }
    add_bytes(R"({"removed_users":["alice"]})");
    registry_file again(dir_);
    EXPECT_EQ(user_names(*again.load()), std::vector<std::string>{"alice"});
}

TEST_F(saved_registry, AnUnreadableLastLineIsATornWriteEvenWithItsNewline) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
    }
    add_bytes(R"({"users":[{"name":"bob")" + std::string(64, '\0') + "\n");  // a block lost in a power cut
    registry_file again(dir_);
    EXPECT_EQ(user_names(*again.load()), std::vector<std::string>{"alice"});
    EXPECT_EQ(line_count(), 2u);  // rewritten: the version line and alice
}

TEST_F(saved_registry, DamageBeforeTheLastLineIsRefusedNotGuessed) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
    }
    add_bytes("not json\n{\"users\":[]}\n");
    registry_file again(dir_);
    EXPECT_THROW(again.load(), error);
}

TEST_F(saved_registry, AnEntryOfTheWrongShapeIsRefused) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
    }
    add_bytes("{\"users\":[{\"name\":\"bob\"}]}\n{\"removed_topics\":[\"lobby\"]}\n");
    registry_file again(dir_);
    EXPECT_THROW(again.load(), error);
}

TEST_F(saved_registry, AFileThatIsNotACopyIsRefused) {
    fs::create_directories(dir_);
    std::ofstream(file()) << "{\"users\":[]}\n";
    registry_file saved(dir_);
    EXPECT_THROW(saved.load(), error);
    std::ofstream(file(), std::ios::trunc) << "";
    EXPECT_THROW(saved.load(), error);
    std::ofstream(file(), std::ios::trunc) << "{\"papo-server-registry\":99}\n";
    EXPECT_THROW(saved.load(), error);
}

TEST_F(saved_registry, ALeftoverTempFileChangesNothing) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice")}, {}});
    }
    std::ofstream(file() + ".tmp") << "{\"papo-server-registry\":1}\n{\"removed_users\":[\"al";
    registry_file again(dir_);
    EXPECT_EQ(user_names(*again.load()), std::vector<std::string>{"alice"});
}

TEST_F(saved_registry, TheJournalIsCompactedAsItGrows) {
    {
        registry_file saved(dir_);
        saved.save({{user("alice"), user("bob")}, {topic("lobby")}});
        for (int i = 0; i < 1000; ++i) {
            registry_change change;
            change.users = {user("alice", i % 2 ? std::vector<std::string>{"lobby"} : std::vector<std::string>{})};
            saved.append(change);
            ASSERT_LE(line_count(), 2u * 3u + 64u + 1u) << "after " << i << " changes";
        }
    }
    registry_file again(dir_);
    const auto copy = again.load();
    ASSERT_TRUE(copy.has_value());
    EXPECT_EQ(user_names(*copy), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(copy->users[0].topics, std::vector<std::string>{"lobby"});  // the last change (i = 999) joined
}

TEST_F(saved_registry, ASecondServerOnTheSameFolderIsRefused) {
    registry_file first(dir_);
    EXPECT_THROW(registry_file second(dir_), error);
}

TEST_F(saved_registry, AppendNeedsALoadedOrSavedCopy) {
    registry_file saved(dir_);
    registry_change change;
    change.users = {user("alice")};
    EXPECT_THROW(saved.append(change), error);
}

// --- What the registry reports as changed --------------------------------------

TEST(registry_changes, EveryChangeOfAUserOrTopicIsReportedOnceAndPresenceIsNot) {
    registry r;
    r.put_topic(topic("lobby"));
    r.put_user(user("alice"));
    r.put_user(user("bob"));
    auto first = r.take_changes();
    EXPECT_EQ(first.users.size(), 2u);
    EXPECT_EQ(first.topics.size(), 1u);
    EXPECT_TRUE(r.take_changes().empty());

    r.set_online("alice", true);
    EXPECT_TRUE(r.take_changes().empty());

    ASSERT_TRUE(r.join("alice", "lobby"));
    auto joined = r.take_changes();
    ASSERT_EQ(joined.users.size(), 1u);
    EXPECT_EQ(joined.users[0].topics, std::vector<std::string>{"lobby"});

    EXPECT_FALSE(r.join("alice", "lobby"));  // no change
    EXPECT_TRUE(r.take_changes().empty());

    r.remove_user("BOB");
    r.remove_topic("lobby");
    auto removed = r.take_changes();
    EXPECT_EQ(removed.removed_users, std::vector<std::string>{"bob"});
    EXPECT_EQ(removed.removed_topics, std::vector<std::string>{"lobby"});
}

}  // namespace
}  // namespace papo
