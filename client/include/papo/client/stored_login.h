#pragma once
// `papo login` / `papo-admin login`: a checked login kept on disk so that later commands
// need no password (SECURITY.md, "Stored logins"). One file per profile:
//     $XDG_CONFIG_HOME/papo/logins/<profile>        papo
//     $XDG_CONFIG_HOME/papo/admin-logins/<profile>  papo-admin
// ($XDG_CONFIG_HOME defaults to ~/.config). The folders are 0700, the files 0600 and
// refused when group or others may read them or another user owns them. A file is
// `key=value` lines: broker, user, ca-file, password (everything after the first '='
// is the value, so a password may hold '=' or '#').
#include <optional>
#include <string>

namespace papo {

struct stored_login {
    std::string broker;
    std::string user;
    std::string ca_file;
    std::string password;
};

// $XDG_CONFIG_HOME/papo, or $HOME/.config/papo. Throws papo::error when neither is set.
std::string config_dir();

// Why `profile` cannot name a profile ("" when it can): 1-64 of [A-Za-z0-9._-], not
// starting with '.'.
std::string profile_problem(const std::string& profile);

// The file of `profile`; `kind` is "logins" (papo) or "admin-logins" (papo-admin).
std::string stored_login_path(const std::string& kind, const std::string& profile);

// The login in `path`; nullopt when there is no such file. Throws papo::error when the
// file is unsafe (readable by others, not ours) or unreadable.
std::optional<stored_login> read_stored_login(const std::string& path);

// Writes `login` to `path` whole (0600; its folder and the papo folder made 0700).
void write_stored_login(const std::string& path, const stored_login& login);

// Removes `path`; false when there was none.
bool remove_stored_login(const std::string& path);

}  // namespace papo
