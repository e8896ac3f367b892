#include "papo/error.h"
#include "papo/names.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

TEST(names, AcceptsPlainAndUnicodeNames) {
    for (const char* good : {"alice", "Bob_2", "a.b-c", "josé", "日本", "x"}) EXPECT_FALSE(name_problem(good)) << good;
    EXPECT_FALSE(name_problem(std::string(64, 'a')));
}

TEST(names, RefusesEachBadNameWithItsReason) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "empty"},
        {std::string(65, 'a'), "too long"},
        {"a/b", "'/'"},
        {"a+b", "'+'"},
        {"a#", "'#'"},
        {"$SYS", "'$'"},
        {"a~b", "'~'"},
        {"a b", "whitespace"},
        {"a\tb", "control"},
        {"a\xC2\xA0" "b", "whitespace"},     // no-break space
        {"a\xE2\x80\x83" "b", "whitespace"}, // em space
        {std::string("a\0b", 3), "control"},
        {"a\x7f", "control"},
        {"\xC3\x28", "UTF-8"},
        {"\xC0\xAF", "UTF-8"},          // overlong '/'
        {"\xED\xA0\x80", "UTF-8"},      // surrogate
        {"\xF4\x90\x80\x80", "UTF-8"},  // beyond U+10FFFF
        {"\xE2\x82", "UTF-8"},          // truncated
        {"papo-server", "reserved"},
        {"..", "reserved"},
    };
    for (const auto& [name, reason] : cases) {
        const auto problem = name_problem(name);
        ASSERT_TRUE(problem) << "accepted: " << name;
        EXPECT_NE(problem->find(reason), std::string::npos) << name << " -> " << *problem;
    }
}

TEST(names, RequireValidNameThrowsAClearError) {
    try {
        require_valid_name("a/b", "user");
        FAIL() << "no exception";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid user name 'a/b'"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(require_valid_name("alice", "user"));
}

TEST(names, UniquenessKeyIgnoresAsciiCaseOnly) {
    EXPECT_EQ(name_key("Alice"), name_key("aLICE"));
    EXPECT_NE(name_key("José"), name_key("JOSÉ"));  // only ASCII is folded
}

}  // namespace
}  // namespace papo
