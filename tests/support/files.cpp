#include "files.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace papo::test {

std::string make_temp_dir(const std::string& prefix) {
    std::string pattern = env_or("TMPDIR", "/tmp") + "/" + prefix + "-XXXXXX";
    if (!mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a temporary folder " + pattern + ": " + std::strerror(errno));
    return pattern;
}

void remove_tree(const std::string& path) {
    // Only what make_temp_dir can have made: never a relative path or a system folder.
    if (path.size() < 8 || path.find("-") == std::string::npos || path.front() != '/') return;
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string tail(const std::string& text, std::size_t lines) {
    std::size_t start = text.size();
    // A trailing newline does not start another line.
    if (start > 0 && text[start - 1] == '\n') --start;
    for (std::size_t seen = 0; start > 0; --start)
        if (text[start - 1] == '\n' && ++seen == lines) break;
    return text.substr(start);
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

}  // namespace papo::test
