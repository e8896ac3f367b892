// Name rules (names.h): what may become a topic level and a client id.
#include "papo/error.h"
#include "papo/names.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace papo {
namespace {

// "é" repeated: two bytes per character.
std::string e_acute(std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += "\xC3\xA9";
    return text;
}

TEST(names, AcceptsPlainAndUnicodeNames) {
    for (const std::string& good :
         std::vector<std::string>{"alice", "Bob_2", "a.b-c", "jos\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "x",
                                  "\xF0\x9F\x98\x80", "papo", "my-papo-bot", "...", ".hidden", "Papo_x"})
        EXPECT_EQ(name_problem(good), std::nullopt) << good;
}

TEST(names, LengthLimitCountsBytesNotCharacters) {
    EXPECT_EQ(name_problem(std::string(max_name_bytes, 'a')), std::nullopt);
    EXPECT_EQ(name_problem(e_acute(32)), std::nullopt);  // 64 bytes
    ASSERT_TRUE(name_problem(std::string(max_name_bytes + 1, 'a')));
    EXPECT_NE(name_problem(std::string(65, 'a'))->find("too long"), std::string::npos);
    ASSERT_TRUE(name_problem(e_acute(33)));  // 33 characters, 66 bytes
    EXPECT_NE(name_problem(e_acute(33))->find("66 bytes"), std::string::npos) << *name_problem(e_acute(33));
}

TEST(names, RefusesEachBadNameWithItsReason) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "empty"},
        {"a/b", "'/'"},
        {"a+b", "'+'"},
        {"a#", "'#'"},
        {"#", "'#'"},
        {"$SYS", "'$'"},
        {"a$", "'$'"},
        {"a~b", "'~'"},
        {"~", "'~'"},
        {"a b", "whitespace"},
        {" alice", "whitespace"},
        {"alice ", "whitespace"},
        {"a\xC2\xA0" "b", "whitespace"},      // U+00A0 no-break space
        {"a\xE2\x80\x83" "b", "whitespace"},  // U+2003 em space
        {"a\xE3\x80\x80" "b", "whitespace"},  // U+3000 ideographic space
        {"a\xE2\x80\xA8" "b", "whitespace"},  // U+2028 line separator
        {"a\xEF\xBB\xBF" "b", "whitespace"},  // U+FEFF zero-width no-break space (BOM)
        {"a\xE2\x80\x8B" "b", "whitespace"},  // U+200B zero-width space
        {"a\tb", "control"},
        {"a\nb", "control"},
        {"a\rb", "control"},
        {"\x1b[31m", "control"},               // terminal escape
        {std::string("a\0b", 3), "control"},   // NUL inside a std::string
        {std::string("alice\0", 6), "control"},
        {"a\x7f", "control"},
        {"a\xC2\x85" "b", "control"},          // U+0085, a C1 control
        {"a\xC2\x9B" "b", "control"},          // U+009B, C1 CSI
        {"\xC3\x28", "UTF-8"},                 // lead byte without its continuation
        {"\xC0\xAF", "UTF-8"},                 // overlong '/'
        {"\xE0\x80\xAF", "UTF-8"},             // overlong '/' in three bytes
        {"\xF0\x80\x80\xAF", "UTF-8"},         // overlong '/' in four bytes
        {"\xED\xA0\x80", "UTF-8"},             // high surrogate U+D800
        {"\xED\xBF\xBF", "UTF-8"},             // low surrogate U+DFFF
        {"\xF4\x90\x80\x80", "UTF-8"},         // U+110000, beyond Unicode
        {"\xF8\x88\x80\x80\x80", "UTF-8"},     // five-byte form
        {"\x80", "UTF-8"},                     // lone continuation byte
        {"a\xFF", "UTF-8"},
        {"\xE2\x82", "UTF-8"},                 // truncated
        {"papo-x", "reserved"},
        {"papo-", "reserved"},
        {"papo-admin", "reserved"},
        {"papo-server", "reserved"},
        {"Papo-Admin", "reserved"},  // uniqueness ignores case, so the reservation does too
        {".", "reserved"},
        {"..", "reserved"},
    };
    for (const auto& [name, reason] : cases) {
        const auto problem = name_problem(name);
        ASSERT_TRUE(problem) << "accepted: '" << name << "'";
        EXPECT_NE(problem->find(reason), std::string::npos) << "'" << name << "' -> " << *problem;
    }
}

TEST(names, UnicodeLettersAtTheEdgesOfTheRangesAreValid) {
    EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // smallest two-byte form
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));         // overlong U+007F
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));     // overlong U+07FF
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF")); // overlong U+FFFF
}

TEST(names, RequireValidNameThrowsAClearError) {
    try {
        require_valid_name("a/b", "user");
        FAIL() << "no exception";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid user name 'a/b'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'/'"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(require_valid_name("alice", "user"));
    EXPECT_NO_THROW(require_valid_name("jos\xC3\xA9", "topic"));
}

TEST(names, RequireValidNameNamesTheKindOfThing) {
    try {
        require_valid_name("", "topic");
        FAIL() << "no exception";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid topic name"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
    }
}

TEST(names, ErrorForAnInvalidByteSequenceDoesNotEchoTheBytes) {
    try {
        require_valid_name("\xC3\x28", "user");
        FAIL() << "no exception";
    } catch (const error& e) {
        const std::string message = e.what();
        EXPECT_TRUE(is_valid_utf8(message)) << "the message itself must be printable as UTF-8";
        EXPECT_NE(message.find("<not UTF-8>"), std::string::npos) << message;
    }
}

TEST(names, ErrorForALongNameShowsItsStart) {
    try {
        require_valid_name(std::string(100, 'a'), "user");
        FAIL() << "no exception";
    } catch (const error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("'" + std::string(40, 'a') + "...'"), std::string::npos) << message;
        EXPECT_EQ(message.find(std::string(41, 'a')), std::string::npos) << message;
    }
}

TEST(names, ErrorForALongUnicodeNameShowsItsStartNotNotUtf8) {
    // 1 + 64 = 65 bytes of valid UTF-8: cutting at byte 40 splits an "é".
    const std::string name = "a" + e_acute(32);
    try {
        require_valid_name(name, "user");
        FAIL() << "no exception";
    } catch (const error& e) {
        const std::string message = e.what();
        EXPECT_TRUE(is_valid_utf8(message)) << message;
        EXPECT_EQ(message.find("<not UTF-8>"), std::string::npos) << message;
        EXPECT_NE(message.find("'a" + e_acute(19) + "...'"), std::string::npos) << message;
    }
}

TEST(names, UniquenessKeyFoldsAsciiCaseOnly) {
    EXPECT_EQ(name_key("Alice"), "alice");
    EXPECT_EQ(name_key("Alice"), name_key("aLICE"));
    EXPECT_EQ(name_key("A-Z_0.9"), "a-z_0.9");  // only letters change
    EXPECT_NE(name_key("alice"), name_key("alicf"));
    EXPECT_EQ(name_key("JOS\xC3\x89"), "jos\xC3\x89");  // É stays: only ASCII is folded
    EXPECT_NE(name_key("jos\xC3\xA9"), name_key("JOS\xC3\x89"));
    EXPECT_EQ(name_key(""), "");
}

}  // namespace
}  // namespace papo
