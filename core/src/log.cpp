#include "papo/log.h"

#include "papo/clock.h"
#include "papo/render.h"

#include <cstdio>
#include <mutex>

namespace papo {
std::string log_record(std::string_view time, std::string_view level, std::string_view text) {
    std::string record(time);
    record += ' ';
    record += safe_text(level);
    record += ' ';
    record += safe_text(text);
    return record;
}

void log_line(const std::string& level, const std::string& text) {
    const std::string record = log_record(now_text(), level, text) + "\n";
    static std::mutex guard;
    std::lock_guard<std::mutex> lock(guard);
    std::fwrite(record.data(), 1, record.size(), stderr);
    std::fflush(stderr);
}
}  // namespace papo
