#pragma once
// Temporary folders and whole-file reads for tests.
#include <cstddef>
#include <string>

namespace papo::test {

// A new, empty folder /tmp/<prefix>-XXXXXX (under $TMPDIR when set); throws on failure.
std::string make_temp_dir(const std::string& prefix);
// Removes a folder made by make_temp_dir and everything in it; never throws.
void remove_tree(const std::string& path);
// The whole file, or "" when it cannot be read.
std::string read_file(const std::string& path);
// The last `lines` lines of `text`.
std::string tail(const std::string& text, std::size_t lines);
// The value of an environment variable, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);

}  // namespace papo::test
