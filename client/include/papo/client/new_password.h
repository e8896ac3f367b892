#pragma once
// A new account password (papo-admin users add / users passwd / queues add, papo passwd):
// from a file or PAPO_NEW_PASSWORD, else asked twice at a terminal.
#include <cstddef>
#include <string>

namespace papo {

// The length papo-server accepts (8 to 256 bytes of UTF-8, server_core's
// require_good_password), checked here too so that a prompt can ask again.
inline constexpr std::size_t min_new_password_bytes = 8;
inline constexpr std::size_t max_new_password_bytes = 256;

// Why `password` cannot be a new password; "" when it can.
std::string new_password_problem(const std::string& password);

// From `file` (0600), else PAPO_NEW_PASSWORD, else asked twice at a terminal: a short one
// is refused at once, and a refusal or two entries that differ ask again, up to 3 times.
// `program` prefixes what is said on stderr ("papo-admin"). Throws papo::error
// (bad_password after 3 failures, other when there is no terminal to ask at).
std::string new_password(const std::string& file, const std::string& name, const std::string& program);

}  // namespace papo
