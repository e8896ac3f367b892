#pragma once
// One-line log records on stderr, with a UTC time stamp.
#include <string>

namespace papo {
void log_line(const std::string& level, const std::string& text);
inline void log_info(const std::string& text) { log_line("info", text); }
inline void log_warn(const std::string& text) { log_line("warn", text); }
inline void log_error(const std::string& text) { log_line("error", text); }
}  // namespace papo
