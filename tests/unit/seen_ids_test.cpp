#include "papo/seen_ids.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <unistd.h>

namespace papo {
namespace {

TEST(seen_ids, RepeatsAreRecognised) {
    seen_ids seen;
    EXPECT_TRUE(seen.first_time("a"));
    EXPECT_FALSE(seen.first_time("a"));
    EXPECT_TRUE(seen.first_time("b"));
}

TEST(seen_ids, MemoryIsBounded) {
    seen_ids seen(3);
    for (const char* id : {"a", "b", "c", "d"}) seen.first_time(id);
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen.contains("a"));
    EXPECT_TRUE(seen.contains("d"));
}

TEST(seen_ids, SurvivesARestartThroughItsFile) {
    char path[] = "/tmp/papo-seen-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    {
        seen_ids seen(100, path);
        seen.first_time("x");
    }
    seen_ids again(100, path);
    EXPECT_FALSE(again.first_time("x"));
    EXPECT_TRUE(again.first_time("y"));
    std::remove(path);
}

}  // namespace
}  // namespace papo
