#pragma once
// The one way papo shows text from the network or from another user to people, on the
// screen or in a log (log.h renders every record): nothing in it can drive the terminal
// (escape sequences, window titles, the clipboard, links), reorder what is shown (bidi
// controls) or pose as a line papo printed itself.
//   control characters  C0 (TAB \t, CR \r, LF \n, others \xHH, ESC is \x1b), DEL \x7f
//   C1 U+0080..U+009F, bidi controls (U+061C, U+200E/F, U+202A..E, U+2066..9) and the
//   line/paragraph separators U+2028/9   \u{HHHH}
//   invalid UTF-8       each byte that is not part of a valid sequence as \xHH
// A backslash itself is shown as it is: escapes are for reading, not for parsing back
// (scripts read `--json`, which has the exact text).
#include <string>
#include <string_view>

namespace papo {

// What starts every continuation line of a multi-line text.
inline constexpr std::string_view continuation_marker = "  | ";

// One line: every line break is escaped too.
std::string safe_text(std::string_view text);
// A message text: a line break (LF or CR LF) starts a new line that begins with
// continuation_marker, so it cannot pose as a message of its own; the rest as safe_text.
std::string safe_multiline(std::string_view text);
// sent_at for people: local time ("10:00:05", or "Nov 24 10:00" when not today) when it is
// RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.fraction]Z), else "unknown time"; never the raw text.
std::string display_time(std::string_view sent_at);
// Whether sent_at is such a time.
bool is_rfc3339_utc(std::string_view sent_at);

}  // namespace papo
