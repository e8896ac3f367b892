// Message ids and nonces must not be predictable from ones a member has seen: with a
// predictable id, a member could DM someone first under a sender's next id (the real
// message is then dropped as a repeat) or confirm it with a false receipt.
#include "papo/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <sstream>

namespace papo {
namespace {

// random_hex(16) read back as the 64-bit word it would be if one generator output made it
// (the lowest nibble first, as a Mersenne Twister-backed random_hex wrote them).
std::uint64_t word_of(const std::string& hex) {
    std::uint64_t word = 0;
    for (std::size_t k = 0; k < hex.size(); ++k)
        word |= static_cast<std::uint64_t>(std::stoul(hex.substr(k, 1), nullptr, 16)) << (4 * k);
    return word;
}

// mt19937_64's output function, inverted: from an output back to its state word.
std::uint64_t untemper(std::uint64_t y) {
    auto undo_right = [](std::uint64_t v, unsigned shift, std::uint64_t mask) {
        std::uint64_t x = v;
        for (unsigned i = 0; i < 64 / shift + 1; ++i) x = v ^ ((x >> shift) & mask);
        return x;
    };
    auto undo_left = [](std::uint64_t v, unsigned shift, std::uint64_t mask) {
        std::uint64_t x = v;
        for (unsigned i = 0; i < 64 / shift + 1; ++i) x = v ^ ((x << shift) & mask);
        return x;
    };
    y = undo_right(y, 43, ~0ull);
    y = undo_left(y, 37, 0xFFF7EEE000000000ull);
    y = undo_left(y, 17, 0x71D67FFFEDA60000ull);
    return undo_right(y, 29, 0x5555555555555555ull);
}

TEST(random_ids, TheUntemperingAttackWorksOnAMersenneTwister) {
    // The attack itself, on a real std::mt19937_64: 312 outputs give away the next one.
    std::mt19937_64 victim(12345);
    std::ostringstream state;
    for (int i = 0; i < 312; ++i) state << untemper(victim()) << ' ';
    state << 312;
    std::istringstream in(state.str());
    std::mt19937_64 copy;
    in >> copy;
    EXPECT_EQ(copy(), victim());
}

TEST(random_ids, IdsCannotBePredictedFromEarlierOnes) {
    std::ostringstream state;
    for (int i = 0; i < 312; ++i) state << untemper(word_of(random_hex(16))) << ' ';
    state << 312;
    std::istringstream in(state.str());
    std::mt19937_64 predictor;
    in >> predictor;
    int predicted = 0;
    for (int i = 0; i < 20; ++i) predicted += predictor() == word_of(random_hex(16));
    EXPECT_EQ(predicted, 0);
}

TEST(random_ids, IdsAreHexAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        const auto id = random_id();
        ASSERT_EQ(id.size(), 32u);
        ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
        ASSERT_TRUE(seen.insert(id).second) << id;
    }
    EXPECT_EQ(random_hex(7).size(), 7u);
}

}  // namespace
}  // namespace papo
