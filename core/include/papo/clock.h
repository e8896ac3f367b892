#pragma once
// Time stamps and ids for the wire.
#include <chrono>
#include <string>

namespace papo {

// RFC 3339 UTC with milliseconds: 2026-11-24T10:00:00.123Z
std::string format_time(std::chrono::system_clock::time_point when);
std::string now_text();
// Local wall-clock time for people: "10:00:05" or "Nov 24 10:00" when not today.
std::string local_time_for_display(const std::string& rfc3339);

// 32 hex characters from a CSPRNG (OpenSSL's RAND_bytes): message ids, nonces.
std::string random_id();
std::string random_hex(std::size_t characters);

}  // namespace papo
