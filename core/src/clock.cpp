#include "papo/clock.h"

#include "papo/error.h"

#include <openssl/rand.h>

#include <ctime>
#include <fstream>

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
    // From OpenSSL's CSPRNG: ids and nonces must not be predictable from ones seen
    // before (a member who saw enough of a Mersenne Twister's output could forge a
    // receipt or pre-empt a message under its next id).
    static const char digits[] = "0123456789abcdef";
    std::string bytes((characters + 1) / 2, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1)
        throw error("the system's random source failed");
    std::string hex(characters, '0');
    for (std::size_t k = 0; k < characters; ++k) {
        const auto byte = static_cast<unsigned char>(bytes[k / 2]);
        hex[k] = digits[k % 2 ? byte & 0xF : byte >> 4];
    }
    return hex;
}

std::string random_id() { return random_hex(32); }

}  // namespace papo
