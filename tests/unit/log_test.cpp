// log.h: a log record quotes the network but stays one line that cannot drive an
// operator's terminal (issue 11, terminal injection in papo-server's log).
#include "papo/log.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

const char* const stamp = "2026-11-24T10:00:00.000Z";

TEST(log, ARecordIsTimeLevelAndText) {
    EXPECT_EQ(log_record(stamp, "info", "papo-server serving on tcp://localhost:1883"),
              "2026-11-24T10:00:00.000Z info papo-server serving on tcp://localhost:1883");
}

TEST(log, ALineBreakInTheTextCannotForgeARecord) {
    const auto record = log_record(stamp, "warn", "bad: 'x\r\n2026-12-01T00:00:00.000Z info forged line'");
    EXPECT_EQ(record, "2026-11-24T10:00:00.000Z warn bad: 'x\\r\\n2026-12-01T00:00:00.000Z info forged line'");
    EXPECT_EQ(record.find_first_of("\r\n"), std::string::npos);
}

TEST(log, TerminalControlsInTheTextAreShownAsEscapes) {
    EXPECT_EQ(log_record(stamp, "warn", "\x1b[2J\x1b]0;owned\x07 \xe2\x80\xae" "abc \xc2\x9b" "2J \xff"),
              "2026-11-24T10:00:00.000Z warn \\x1b[2J\\x1b]0;owned\\x07 \\u{202E}abc \\u{009B}2J \\xff");
}

TEST(log, TheLevelIsRenderedToo) {
    EXPECT_EQ(log_record(stamp, "warn\n", "x"), "2026-11-24T10:00:00.000Z warn\\n x");
}

}  // namespace
}  // namespace papo
