// The checker's rules for device senders (plain MQTT, no outbox, no seq); the rules for
// papo's own senders are in tests/unit/chaos_checker_test.cpp.
#include "checker.h"

#include <gtest/gtest.h>

namespace papo::chaos {
namespace {

accepted device_dm(const std::string& from, const std::string& to, const std::string& id, std::uint64_t order,
                   bool acknowledged = true) {
    return {from, id, {to}, "", acknowledged, order};
}
shown showing(const std::string& reader, const std::string& from, const std::string& id) {
    shown s;
    s.reader = reader;
    s.from = from;
    s.id = id;
    return s;
}

TEST(chaos_checker, AnAcknowledgedDeviceMessageNeverShownIsLost) {
    const auto v = check({device_dm("d", "b", "d-1", 1), device_dm("d", "b", "d-2", 2)}, {showing("b", "d", "d-2")});
    EXPECT_EQ(v.lost, 1u);
    EXPECT_FALSE(v.ok());
}

TEST(chaos_checker, APublishWithoutPubackMayBeShownOnceOrNeverButNotTwice) {
    const std::vector<accepted> sends{device_dm("d", "b", "d-1", 1, false), device_dm("d", "c", "d-2", 2, false)};
    auto v = check(sends, {showing("b", "d", "d-1")});  // d-1 arrived, d-2 never did
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.unacknowledged, 2u);
    EXPECT_EQ(v.unacknowledged_shown, 1u);
    EXPECT_EQ(v.deliveries, 0u);
    v = check(sends, {showing("b", "d", "d-1"), showing("b", "d", "d-1")});
    EXPECT_EQ(v.duplicated, 1u);
    EXPECT_EQ(check(sends, {showing("c", "d", "d-1")}).unexpected, 1u);  // to the wrong reader
}

TEST(chaos_checker, ADevicesOrderIsReportedApartAndIsNotAFailure) {
    const auto v = check({device_dm("d", "b", "d-1", 1), device_dm("d", "b", "d-2", 2), device_dm("d", "c", "d-3", 3)},
                         {showing("b", "d", "d-2"), showing("b", "d", "d-1"), showing("c", "d", "d-3")});
    EXPECT_TRUE(v.ok());
    EXPECT_EQ(v.out_of_order, 0u);
    EXPECT_EQ(v.unsequenced_out_of_order, 1u);
    EXPECT_EQ(v.unsequenced_examples.size(), 1u);
}

}  // namespace
}  // namespace papo::chaos
