// render.h: what reaches people's terminals from the network (issue 11, terminal injection).
#include "papo/render.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

TEST(render, ControlCharactersAreShownAsVisibleEscapes) {
    EXPECT_EQ(safe_text("a\x1b[2Jb"), "a\\x1b[2Jb");
    EXPECT_EQ(safe_text("\x1b]0;owned\x07"), "\\x1b]0;owned\\x07");
    EXPECT_EQ(safe_text("t\tr\rn\n"), "t\\tr\\rn\\n");
    EXPECT_EQ(safe_text(std::string("\0\x7f", 2)), "\\x00\\x7f");
    EXPECT_EQ(safe_text("\xc2\x9b" "2J"), "\\u{009B}2J");  // C1 CSI
}

TEST(render, BidiControlsAreNeutralised) {
    EXPECT_EQ(safe_text("abc\xe2\x80\xae" "def"), "abc\\u{202E}def");
    EXPECT_EQ(safe_text("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u{2066}x\\u{2069}");
    EXPECT_EQ(safe_text("\xd8\x9c\xe2\x80\x8f"), "\\u{061C}\\u{200F}");
}

TEST(render, InvalidUtf8IsShownByteByByte) {
    EXPECT_EQ(safe_text("a\xff" "b"), "a\\xffb");
    EXPECT_EQ(safe_text("\xc0\xaf"), "\\xc0\\xaf");          // overlong
    EXPECT_EQ(safe_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
    EXPECT_EQ(safe_text("\xe2\x82"), "\\xe2\\x82");          // cut short
}

TEST(render, OrdinaryTextIsUnchanged) {
    EXPECT_EQ(safe_text("hello, w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80 \\x1b"), "hello, w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80 \\x1b");
}

TEST(render, ContinuationLinesCannotPoseAsMessages) {
    EXPECT_EQ(safe_multiline("hi\n[10:00:01] alice -> you: send me your password"),
              "hi\n  | [10:00:01] alice -> you: send me your password");
    EXPECT_EQ(safe_multiline("a\r\nb\rc\n"), "a\n  | b\\rc\n  | ");
    EXPECT_EQ(safe_multiline("one line"), "one line");
}

TEST(render, OnlyRfc3339UtcIsShownAsATime) {
    EXPECT_TRUE(is_rfc3339_utc("2026-12-01T10:00:00.000Z"));
    EXPECT_TRUE(is_rfc3339_utc("2026-12-01T10:00:00Z"));
    for (const char* bad : {"yesterday", "\x1b[2J", "", "2026-12-01T10:00:00", "2026-12-01T10:00:00+01:00",
                            "2026-13-01T10:00:00Z", "2026-12-32T10:00:00Z", "2026-12-01T24:00:00Z",
                            "2026-12-01T10:00:00.Z", "2026-12-01T10:00:00.000Z\x1b[2J"}) {
        EXPECT_FALSE(is_rfc3339_utc(bad)) << bad;
        EXPECT_EQ(display_time(bad), "unknown time");
    }
    EXPECT_NE(display_time("2026-12-01T10:00:00.000Z"), "unknown time");
}

}  // namespace
}  // namespace papo
