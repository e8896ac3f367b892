#include "papo/log.h"

#include "papo/clock.h"

#include <cstdio>
#include <mutex>

namespace papo {
void log_line(const std::string& level, const std::string& text) {
    static std::mutex guard;
    std::lock_guard<std::mutex> lock(guard);
    std::fprintf(stderr, "%s %s %s\n", now_text().c_str(), level.c_str(), text.c_str());
    std::fflush(stderr);
}
}  // namespace papo
