// The payload decoders (messages.h) on arbitrary payloads. Any user can publish
// any bytes to a topic another program reads, so decode() must either return a
// value or throw papo::error, the one exception the readers catch; anything
// else escaping it ends a reader.
//
// Input: one byte that picks the type (m chat_message, r receipt, p presence,
// u user_record, t topic_record, q queue_snapshot, j plain JSON; other bytes
// pick by value), then the payload.
#include "fuzz_support.h"

#include "papo/error.h"
#include "papo/messages.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <type_traits>

namespace {

// Decodes as T; a value that comes out must survive encode() and a second decode.
template <typename T>
void check(std::string_view payload, std::size_t limit) {
    T value;
    try {
        value = papo::decode<T>(payload, limit);
    } catch (const papo::error&) {
        return;  // refused with a reason: what decode promises
    }
    PAPO_FUZZ_CHECK(payload.size() <= limit);
    const nlohmann::json first = value;
    const std::string wire = papo::encode(first);  // must not throw: every string was checked UTF-8
    // The re-encoding may be longer (queue_snapshot adds its count), so no limit here.
    const nlohmann::json second = papo::decode<T>(wire, papo::max_snapshot_bytes);
    PAPO_FUZZ_CHECK(first == second);
    if constexpr (std::is_same_v<T, papo::chat_message>) {
        PAPO_FUZZ_CHECK(!value.id.empty() && value.id.size() <= 64);
        PAPO_FUZZ_CHECK(value.text.size() <= papo::max_text_bytes);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view payload = papo::fuzz::text_of(data + 1, size - 1);
    static const char kinds[] = "mrputqj";
    const char* picked = std::memchr(kinds, data[0], 7) ? std::strchr(kinds, data[0]) : kinds + data[0] % 7;
    // A small limit now and then reaches the size check from both sides.
    const std::size_t limit = data[0] & 0x80 ? 64 : papo::max_payload_bytes;
    switch (*picked) {
        case 'm': check<papo::chat_message>(payload, limit); break;
        case 'r': check<papo::receipt>(payload, limit); break;
        case 'p': check<papo::presence>(payload, limit); break;
        case 'u': check<papo::user_record>(payload, limit); break;
        case 't': check<papo::topic_record>(payload, limit); break;
        case 'q': check<papo::queue_snapshot>(payload, papo::max_snapshot_bytes); break;
        case 'j': check<nlohmann::json>(payload, limit); break;
    }
    return 0;
}
