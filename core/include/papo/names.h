#pragma once
// Names of users, named queues and topics: the one place that says what is valid.
// A name becomes an MQTT topic level and a client id, so it must not contain
// the topic separators or wildcards, and it must be readable on the wire.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace papo {

inline constexpr std::size_t max_name_bytes = 64;

// Why `name` is not a valid user, queue or topic name; nullopt when it is valid.
std::optional<std::string> name_problem(std::string_view name);

// Throws papo::error with the reason when the name is invalid. `what` names the
// kind of thing ("user", "topic", "queue") for the message.
void require_valid_name(std::string_view name, std::string_view what);

// Names are case-preserving but unique without regard to ASCII case, so that
// "Alice" cannot pose as "alice". This is the key under which uniqueness is checked.
std::string name_key(std::string_view name);

// True when the text is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace papo
