#pragma once
// What every papo fuzz target shares: invariants that abort (so libFuzzer keeps the
// input as a crash, with a stack) and the split of one input into several fields.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#define PAPO_FUZZ_CHECK(condition)                                                                  \
    do {                                                                                            \
        if (!(condition)) {                                                                         \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                           \
        }                                                                                           \
    } while (false)

namespace papo::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Fields separated by `separator`; NUL by default because MQTT forbids U+0000 in
// topics, user names and client ids, so a separator there loses no real input.
inline std::vector<std::string_view> split_fields(std::string_view input, char separator = '\0') {
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
        const std::size_t end = input.find(separator, start);
        fields.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return fields;
        start = end + 1;
    }
}

}  // namespace papo::fuzz
