#include "papo/client/stored_login.h"

#include "papo/error.h"
#include "papo/state_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace papo {
namespace {

std::string parent_of(const std::string& path) { return path.substr(0, path.find_last_of('/')); }

// Makes `dir` (mode 0700) if it is missing; an existing one is made 0700 too, as it
// holds passwords.
void make_private_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        throw error("cannot make " + dir + ": " + std::strerror(errno));
    if (::chmod(dir.c_str(), 0700) != 0) throw error("cannot make " + dir + " private: " + std::strerror(errno));
}

}  // namespace

std::string config_dir() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/papo";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/papo";
    throw error("neither XDG_CONFIG_HOME nor HOME is set: papo has no configuration folder");
}

std::string profile_problem(const std::string& profile) {
    const std::string rule = "a profile name has 1 to 64 letters, digits, '.', '_' or '-' and does not start with '.'";
    if (profile.empty() || profile.size() > 64 || profile[0] == '.') return "invalid profile '" + profile + "': " + rule;
    for (const char c : profile)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return "invalid profile '" + profile + "': " + rule;
    return "";
}

std::string stored_login_path(const std::string& kind, const std::string& profile) {
    return config_dir() + "/" + kind + "/" + profile;
}

std::optional<stored_login> read_stored_login(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw error("cannot read the stored login " + path + ": " + std::strerror(errno));
    }
    if (info.st_uid != ::getuid()) throw error("the stored login " + path + " belongs to another user; papo does not use it");
    if (info.st_mode & (S_IRWXG | S_IRWXO))
        throw error("the stored login " + path + " can be read by others; papo does not use it (run: chmod 600 " + path +
                    ", and change the password: papo passwd)");
    std::ifstream in(path);
    if (!in) throw error("cannot read the stored login " + path);
    stored_login login;
    for (std::string line; std::getline(in, line);) {
        const auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        const std::string key = line.substr(0, equals), value = line.substr(equals + 1);
        if (key == "broker") login.broker = value;
        else if (key == "user") login.user = value;
        else if (key == "ca-file") login.ca_file = value;
        else if (key == "password") login.password = value;
    }
    if (login.broker.empty() || login.user.empty() || login.password.empty())
        throw error("the stored login " + path + " is incomplete; run papo login again");
    return login;
}

void write_stored_login(const std::string& path, const stored_login& login) {
    const std::string kind_dir = parent_of(path);
    // $XDG_CONFIG_HOME (~/.config) itself may be missing on a fresh account.
    const std::string papo_dir = parent_of(kind_dir);
    if (::mkdir(parent_of(papo_dir).c_str(), 0700) != 0 && errno != EEXIST)
        throw error("cannot make " + parent_of(papo_dir) + ": " + std::strerror(errno));
    make_private_dir(papo_dir);
    make_private_dir(kind_dir);
    std::ostringstream text;
    text << "broker=" << login.broker << "\nuser=" << login.user << "\n";
    if (!login.ca_file.empty()) text << "ca-file=" << login.ca_file << "\n";
    text << "password=" << login.password << "\n";
    // replace_file's temporary file is made in the 0700 folder; the umask makes the file 0600.
    const mode_t before = ::umask(077);
    const bool written = replace_file(path, text.str());
    ::umask(before);
    if (!written) throw error(error_kind::storage, "cannot write the stored login " + path);
    ::chmod(path.c_str(), 0600);
}

bool remove_stored_login(const std::string& path) {
    if (::unlink(path.c_str()) == 0) {
        sync_folder_of(path);
        return true;
    }
    if (errno == ENOENT) return false;
    throw error("cannot remove the stored login " + path + ": " + std::strerror(errno));
}

}  // namespace papo
