#pragma once
// One-line log records on stderr, with a UTC time stamp. What a record says often quotes
// the network (a topic, the parser's excerpt of a payload), and operators read the log in a
// terminal: so each record is rendered as one line (render.h) and can neither drive the
// terminal nor pose as a record of its own. A message of several lines is several records.
#include <string>
#include <string_view>

namespace papo {
// "<time> <level> <text>" with level and text rendered by safe_text; no line break.
std::string log_record(std::string_view time, std::string_view level, std::string_view text);
// Writes log_record(now_text(), level, text) and a newline to stderr, one record at a time.
void log_line(const std::string& level, const std::string& text);
inline void log_info(const std::string& text) { log_line("info", text); }
inline void log_warn(const std::string& text) { log_line("warn", text); }
inline void log_error(const std::string& text) { log_line("error", text); }
}  // namespace papo
