#pragma once
// Passwords at the edges of papo's programs: where they come from, never where
// they go (they are sent only in the MQTT CONNECT and to papo-server's request
// topic, never stored in the registry, never logged).
#include <optional>
#include <string>

namespace papo {

// Where a program may take its password from, in this order of preference.
struct password_sources {
    std::string file;          // --password-file: must not be readable by group or others
    const char* env_value;     // e.g. "PAPO_PASSWORD"
    const char* env_file;      // e.g. "PAPO_PASSWORD_FILE"
    std::string prompt;        // asked at a terminal (no echo) when nothing else is set
    std::string stored;        // a stored login's password (papo login), used before asking
};

// The password from the first source that has one (file, env_value, env_file, stored,
// then the prompt). Throws papo::error saying what
// to set when there is none (no terminal to ask at) or a file is unsafe.
std::string resolve_password(const password_sources& sources);

// The first line of `path`. Refuses a file that group or others can read, so a
// password does not sit in a world-readable file unnoticed.
std::string read_password_file(const std::string& path);

// Asks at the terminal without echo; nullopt when stdin is not a terminal.
std::optional<std::string> prompt_password(const std::string& prompt);

// 24 random bytes, base64url: for generated service passwords.
std::string random_password();

// Writes `text` to `path` created with mode 0600 (refuses to overwrite).
void write_secret_file(const std::string& path, const std::string& text);

}  // namespace papo
