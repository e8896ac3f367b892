#include "papo/credentials.h"

#include "papo/error.h"

#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace papo {

std::string read_password_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw error("cannot read password file " + path);
    if (info.st_mode & (S_IRWXG | S_IRWXO))
        throw error("password file " + path + " can be read by others; run: chmod 600 " + path);
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) throw error("password file " + path + " is empty");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) throw error("password file " + path + " has an empty first line");
    return line;
}

std::optional<std::string> prompt_password(const std::string& prompt) {
    if (!::isatty(STDIN_FILENO)) return std::nullopt;
    std::cerr << prompt << std::flush;
    termios before{};
    ::tcgetattr(STDIN_FILENO, &before);
    termios quiet = before;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &before);
    std::cerr << "\n";
    return line;
}

std::string resolve_password(const password_sources& sources) {
    if (!sources.file.empty()) return read_password_file(sources.file);
    if (sources.env_value)
        if (const char* value = std::getenv(sources.env_value); value && *value) return value;
    if (sources.env_file)
        if (const char* path = std::getenv(sources.env_file); path && *path) return read_password_file(path);
    if (!sources.stored.empty()) return sources.stored;
    if (auto typed = prompt_password(sources.prompt)) {
        if (typed->empty()) throw error("no password given");
        return *typed;
    }
    std::string hint = "no password: use --password-file FILE";
    if (sources.env_value) hint += std::string(", or set ") + sources.env_value;
    if (sources.env_file) hint += std::string(" or ") + sources.env_file;
    throw error(hint + ", or run at a terminal to be asked");
}

std::string random_password() {
    unsigned char bytes[24];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw error("no randomness for a password");
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    for (unsigned char b : bytes) out += alphabet[b & 63];
    return out;
}

void write_secret_file(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw error("cannot create " + path + " (it must not exist yet)");
    const std::string line = text + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) throw error("cannot write " + path);
}

}  // namespace papo
