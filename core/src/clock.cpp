#include "papo/clock.h"

#include "papo/error.h"

#include <ctime>
#include <fstream>
#include <mutex>
#include <random>

namespace papo {

std::string format_time(std::chrono::system_clock::time_point when) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count() % 1000;
    const std::time_t seconds = system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms));
    return text;
}

std::string now_text() { return format_time(std::chrono::system_clock::now()); }

std::string local_time_for_display(const std::string& rfc3339) {
    std::tm utc{};
    if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &utc)) return rfc3339;
    const std::time_t when = timegm(&utc);
    const std::time_t now = std::time(nullptr);
    std::tm local{}, today{};
    localtime_r(&when, &local);
    localtime_r(&now, &today);
    char text[32];
    const bool same_day = local.tm_yday == today.tm_yday && local.tm_year == today.tm_year;
    std::strftime(text, sizeof text, same_day ? "%H:%M:%S" : "%b %d %H:%M", &local);
    return text;
}

std::string random_hex(std::size_t characters) {
    // One generator per process, seeded from the system's random source.
    static std::mutex guard;
    static std::mt19937_64 generator{[] {
        std::random_device source;
        std::seed_seq seed{source(), source(), source(), source(), source(), source()};
        return std::mt19937_64(seed);
    }()};
    static const char digits[] = "0123456789abcdef";
    std::string hex(characters, '0');
    std::lock_guard<std::mutex> lock(guard);
    for (std::size_t i = 0; i < characters; i += 16) {
        std::uint64_t bits = generator();
        for (std::size_t k = i; k < characters && k < i + 16; ++k, bits >>= 4) hex[k] = digits[bits & 0xF];
    }
    return hex;
}

std::string random_id() { return random_hex(32); }

}  // namespace papo
