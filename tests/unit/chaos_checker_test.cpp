// The chaos run's checker (chaos/checker.h): each kind of anomaly is counted.
#include "checker.h"

#include <gtest/gtest.h>

namespace papo::chaos {
namespace {

accepted dm(const std::string& from, const std::string& to, const std::string& id) { return {from, id, {to}, ""}; }
shown showing(const std::string& reader, const std::string& from, const std::string& id, std::uint64_t seq,
              const std::string& topic = "") {
    return {reader, from, id, seq, topic};
}

TEST(chaos_checker, ACleanRunHasNoAnomalies) {
    const std::vector<accepted> sends{dm("a", "b", "1"), dm("a", "b", "2"), dm("c", "b", "3"), {"a", "4", {"b", "c"}, "t"}};
    const std::vector<shown> shows{showing("b", "a", "1", 1), showing("b", "c", "3", 1), showing("b", "a", "2", 2),
                                   showing("c", "a", "4", 1, "t"), showing("b", "a", "4", 1, "t")};
    const auto v = check(sends, shows);
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.accepted, 4u);
    EXPECT_EQ(v.deliveries, 5u);
    EXPECT_EQ(v.shown, 5u);
}

TEST(chaos_checker, CountsLostDuplicatedOutOfOrderAndUnexpected) {
    const std::vector<accepted> sends{dm("a", "b", "1"), dm("a", "b", "2"), dm("a", "b", "3"), dm("a", "c", "4")};
    const std::vector<shown> shows{
        showing("b", "a", "2", 2), showing("b", "a", "1", 1),  // 1 after 2: out of order
        showing("b", "a", "2", 2),                             // again: duplicated
        showing("b", "a", "9", 5),                             // never accepted: unexpected
        showing("b", "a", "4", 1),                             // to the wrong reader: unexpected (and 4 is lost)
        showing("c", "x", "4", 1)};                            // from the wrong sender: unexpected
    const auto v = check(sends, shows);
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.lost, 2u);  // 3 and 4
    EXPECT_EQ(v.duplicated, 1u);
    EXPECT_EQ(v.out_of_order, 1u);
    EXPECT_EQ(v.unexpected, 3u);
    EXPECT_FALSE(v.examples.empty());
}

TEST(chaos_checker, APostIsCheckedForEveryMemberAndInEachTopicsOrder) {
    const std::vector<accepted> sends{{"a", "1", {"b", "c"}, "t"}, {"a", "2", {"b", "c"}, "t"}, dm("a", "b", "3")};
    const std::vector<shown> shows{
        showing("b", "a", "1", 1, "t"), showing("b", "a", "2", 2, "t"),
        showing("b", "a", "3", 1),       // a DM's numbers are another stream: in order
        showing("c", "a", "2", 2, "t"),  // c never gets 1: lost
        showing("c", "a", "1", 1, "t"),  // ... no: late, out of order
        showing("b", "a", "1", 1),       // a post shown as a DM: unexpected
        showing("d", "a", "1", 1, "t")}; // not a member: unexpected
    const auto v = check(sends, shows);
    EXPECT_EQ(v.deliveries, 5u);
    EXPECT_EQ(v.lost, 0u);
    EXPECT_EQ(v.out_of_order, 1u);
    EXPECT_EQ(v.unexpected, 2u);
    EXPECT_EQ(v.duplicated, 0u);
}

TEST(chaos_checker, OnlyTheMarkedMessageAKilledReaderWasShowingMayComeTwice) {
    const std::vector<accepted> sends{dm("a", "b", "1"), dm("a", "b", "2")};
    std::vector<shown> shows{showing("b", "a", "1", 1), showing("b", "a", "1", 1), showing("b", "a", "2", 2)};
    EXPECT_EQ(check(sends, shows).duplicated, 1u);  // no kill: a real duplicate
    shows[0].last_before_kill = true;
    EXPECT_EQ(check(sends, shows).duplicated, 1u);  // a kill, but papo did not mark the repeat
    shows[1].maybe_repeat = true;
    const auto v = check(sends, shows);
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.marked_repeats, 1u);
    shows[0].last_before_kill = false;  // marked, but nothing was cut short: still a duplicate
    EXPECT_EQ(check(sends, shows).duplicated, 1u);
}

}  // namespace
}  // namespace papo::chaos
