#include "papo/client/new_password.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/names.h"

#include <cstdlib>
#include <iostream>
#include <optional>

namespace papo {

std::string new_password_problem(const std::string& password) {
    if (password.size() < min_new_password_bytes || password.size() > max_new_password_bytes || !is_valid_utf8(password))
        return "a password has " + std::to_string(min_new_password_bytes) + " to " + std::to_string(max_new_password_bytes) +
               " bytes of UTF-8";
    return "";
}

std::string new_password(const std::string& file, const std::string& name, const std::string& program) {
    std::optional<std::string> given;
    if (!file.empty()) given = read_password_file(file);
    else if (const char* value = std::getenv("PAPO_NEW_PASSWORD"); value && *value) given = value;
    if (given) {
        if (const auto problem = new_password_problem(*given); !problem.empty())
            throw error(error_kind::bad_password, "the new password of " + name + " is refused: " + problem);
        return *given;
    }
    constexpr int tries = 3;
    for (int attempt = 1; attempt <= tries; ++attempt) {
        auto first = prompt_password("new password for " + name + ": ");
        if (!first) throw error("no password for " + name + ": use --new-password-file FILE or set PAPO_NEW_PASSWORD");
        if (const auto problem = new_password_problem(*first); !problem.empty()) {
            std::cerr << program << ": " << problem << (attempt < tries ? "; try again" : "") << "\n";
            continue;
        }
        if (prompt_password("again: ") == first) return *first;
        std::cerr << program << ": the two passwords differ" << (attempt < tries ? "; try again" : "") << "\n";
    }
    throw error(error_kind::bad_password, "no new password for " + name + " after " + std::to_string(tries) + " tries");
}

}  // namespace papo
