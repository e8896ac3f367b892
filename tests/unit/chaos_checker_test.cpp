// The chaos run's checker (chaos/checker.h): each kind of anomaly is counted.
#include "checker.h"

#include <gtest/gtest.h>

namespace papo::chaos {
namespace {

TEST(chaos_checker, ACleanRunHasNoAnomalies) {
    const std::vector<accepted> sends{{"a", "b", "1"}, {"a", "b", "2"}, {"c", "b", "3"}};
    const std::vector<shown> shows{{"b", "a", "1", 1}, {"b", "c", "3", 1}, {"b", "a", "2", 2}};
    const auto v = check(sends, shows);
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.accepted, 3u);
    EXPECT_EQ(v.shown, 3u);
}

TEST(chaos_checker, CountsLostDuplicatedOutOfOrderAndUnexpected) {
    const std::vector<accepted> sends{{"a", "b", "1"}, {"a", "b", "2"}, {"a", "b", "3"}, {"a", "c", "4"}};
    const std::vector<shown> shows{
        {"b", "a", "2", 2}, {"b", "a", "1", 1},  // 1 after 2: out of order
        {"b", "a", "2", 2},                      // again: duplicated
        {"b", "a", "9", 5},                      // never accepted: unexpected
        {"b", "a", "4", 1},                      // to the wrong reader: unexpected (and 4 is lost)
        {"c", "x", "4", 1}};                     // from the wrong sender: unexpected
    const auto v = check(sends, shows);
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.lost, 2u);  // 3 and 4
    EXPECT_EQ(v.duplicated, 1u);
    EXPECT_EQ(v.out_of_order, 1u);
    EXPECT_EQ(v.unexpected, 3u);
    EXPECT_FALSE(v.examples.empty());
}

TEST(chaos_checker, OnlyTheMessageAKilledReaderWasShowingMayComeTwice) {
    const std::vector<accepted> sends{{"a", "b", "1"}, {"a", "b", "2"}};
    std::vector<shown> shows{{"b", "a", "1", 1}, {"b", "a", "1", 1}, {"b", "a", "2", 2}};
    EXPECT_EQ(check(sends, shows).duplicated, 1u);  // no kill: a real duplicate
    shows[0].last_before_kill = true;
    const auto v = check(sends, shows);
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.shown_again_after_kill, 1u);
}

}  // namespace
}  // namespace papo::chaos
