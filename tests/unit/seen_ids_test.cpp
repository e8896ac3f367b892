// The reader's memory of shown ids (seen_ids.h): repeats are recognised,
// memory and file stay bounded, and the memory survives a restart.
#include "papo/client/seen_ids.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace papo {
namespace {

class seen_ids_file : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-seen-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir = pattern;
        path = dir + "/seen";
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::size_t lines_in_file() const {
        std::ifstream in(path);
        std::size_t count = 0;
        for (std::string line; std::getline(in, line);) ++count;
        return count;
    }
    std::string dir;
    std::string path;
};

TEST(seen_ids, OnlyTheFirstOfferOfAnIdIsNew) {
    seen_ids seen;
    EXPECT_TRUE(seen.first_time("a"));
    EXPECT_FALSE(seen.first_time("a"));
    EXPECT_FALSE(seen.first_time("a"));
    EXPECT_TRUE(seen.first_time("b"));
    EXPECT_TRUE(seen.contains("a"));
    EXPECT_FALSE(seen.contains("c"));
    EXPECT_EQ(seen.size(), 2u);
}

TEST(seen_ids, MemoryIsBoundedAndForgetsTheOldestFirst) {
    seen_ids seen(3);
    for (const char* id : {"a", "b", "c", "d", "e"}) EXPECT_TRUE(seen.first_time(id)) << id;
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen.contains("a"));
    EXPECT_FALSE(seen.contains("b"));
    for (const char* id : {"c", "d", "e"}) EXPECT_FALSE(seen.first_time(id)) << id;
    EXPECT_TRUE(seen.first_time("a"));  // forgotten, so new again
    EXPECT_EQ(seen.size(), 3u);
}

TEST(seen_ids, ARepeatDoesNotRefreshOrDuplicateAnId) {
    seen_ids seen(2);
    seen.first_time("a");
    seen.first_time("a");
    seen.first_time("b");
    EXPECT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen.contains("a"));
    EXPECT_TRUE(seen.contains("b"));
}

TEST_F(seen_ids_file, SurvivesARestartThroughItsFile) {
    {
        seen_ids seen(100, path);
        EXPECT_TRUE(seen.first_time("x"));
        EXPECT_TRUE(seen.first_time("y"));
    }
    seen_ids again(100, path);
    EXPECT_EQ(again.size(), 2u);
    EXPECT_FALSE(again.first_time("x"));
    EXPECT_FALSE(again.first_time("y"));
    EXPECT_TRUE(again.first_time("z"));
    seen_ids third(100, path);
    EXPECT_FALSE(third.first_time("z"));
}

TEST_F(seen_ids_file, IsKnownWithoutAClosedInstance) {
    // A crash leaves no destructor run: each id must be on disk when first_time returns.
    seen_ids seen(100, path);
    seen.first_time("x");
    seen_ids reader(100, path);
    EXPECT_TRUE(reader.contains("x"));
}

TEST_F(seen_ids_file, MissingFileStartsEmpty) {
    seen_ids seen(100, path);
    EXPECT_EQ(seen.size(), 0u);
    EXPECT_TRUE(seen.first_time("x"));
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(seen_ids_file, RepeatsAreNotWrittenAgain) {
    seen_ids seen(100, path);
    for (int i = 0; i < 5; ++i) seen.first_time("x");
    EXPECT_EQ(lines_in_file(), 1u);
}

TEST_F(seen_ids_file, FileIsCompactedToTheCapacityOnRestart) {
    {
        seen_ids seen(3, path);
        for (int i = 0; i < 10; ++i) seen.first_time("id" + std::to_string(i));
    }
    seen_ids again(3, path);
    EXPECT_EQ(again.size(), 3u);
    EXPECT_LE(lines_in_file(), 3u);
    for (int i = 7; i < 10; ++i) EXPECT_TRUE(again.contains("id" + std::to_string(i))) << i;  // the most recent
    EXPECT_FALSE(again.contains("id0"));
}

TEST_F(seen_ids_file, EmptyLinesInTheFileAreIgnored) {
    std::ofstream(path) << "a\n\n\nb\n";
    seen_ids seen(100, path);
    EXPECT_EQ(seen.size(), 2u);
    EXPECT_FALSE(seen.contains(""));
}

TEST_F(seen_ids_file, AnIdAnnouncedButNeverRecordedIsMaybeShownAfterARestart) {
    {
        seen_ids seen(100, path);
        seen.showing("x");
        seen.first_time("x");
        seen.showing("y");  // the process dies here, y perhaps on the screen
    }
    seen_ids again(100, path);
    EXPECT_TRUE(again.contains("x"));
    EXPECT_FALSE(again.maybe_shown("x"));
    EXPECT_FALSE(again.contains("y"));
    EXPECT_TRUE(again.maybe_shown("y"));
    EXPECT_FALSE(again.maybe_shown("z"));
    seen_ids third(100, path);  // the mark survives a compaction
    EXPECT_TRUE(third.maybe_shown("y"));
    third.showing("y");
    EXPECT_TRUE(third.first_time("y"));
    EXPECT_FALSE(third.maybe_shown("y"));
    seen_ids fourth(100, path);
    EXPECT_FALSE(fourth.maybe_shown("y"));
    EXPECT_TRUE(fourth.contains("y"));
}

// Found by the chaos run: a reader killed while showing X, then a run that showed 150
// more (each announced and confirmed), then a run that got X again showed it unmarked.
TEST_F(seen_ids_file, AKillsMarkOutlivesARunThatShowedManyMore) {
    {
        seen_ids killed(1000, path);
        killed.showing("d3 x");  // and killed before it was recorded
    }
    {
        seen_ids busy(1000, path);
        EXPECT_TRUE(busy.maybe_shown("d3 x"));
        for (int i = 0; i < 150; ++i) {
            const std::string id = "c1 m" + std::to_string(i);
            busy.showing(id);
            busy.first_time(id);
        }
    }
    seen_ids next(1000, path);
    EXPECT_TRUE(next.maybe_shown("d3 x"));
    EXPECT_FALSE(next.maybe_shown("c1 m149"));
    EXPECT_FALSE(next.first_time("c1 m149"));
}

TEST_F(seen_ids_file, CompactionNeverLeavesAnEmptyFileBehind) {
    {
        seen_ids seen(100, path);
        for (int i = 0; i < 10; ++i) seen.first_time("id" + std::to_string(i));
    }
    seen_ids again(100, path);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(lines_in_file(), 10u);
}

}  // namespace
}  // namespace papo
