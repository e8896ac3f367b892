// papo login / logout / passwd: the stored login of a profile (papo/client/stored_login.h,
// SECURITY.md "Stored logins").
#include "../context.h"

#include "papo/client/new_password.h"
#include "papo/client/stored_login.h"
#include "papo/error.h"
#include "papo/render.h"
#include "papo/requests.h"
#include "papo/rpc.h"

#include <iostream>

namespace papo::cli {
namespace {

stored_login login_of(const context& c, const std::string& password) {
    return {c.client.broker.broker, c.client.user, c.client.broker.ca_file, password};
}

// The profile's stored login when it is this user's on this broker.
std::optional<stored_login> own_stored_login(const context& c) {
    auto stored = read_stored_login(c.login_path);
    if (stored && stored->user == c.client.user && stored->broker == c.client.broker.broker) return stored;
    return std::nullopt;
}

}  // namespace

int log_in(const context& c) {
    // A real CONNECT with the password: a wrong one is refused here and nothing is kept.
    { rpc_client check(c.client.broker, c.client.user); }
    write_stored_login(c.login_path, login_of(c, c.client.broker.password));
    if (c.json)
        std::cout << nlohmann::json{{"ok", true}, {"user", c.client.user}, {"broker", c.client.broker.broker}, {"profile", c.profile}}.dump()
                  << "\n";
    else
        std::cout << "logged in as " << safe_text(c.client.user) << " on " << safe_text(c.client.broker.broker) << " (profile "
                  << c.profile << "): later commands need no password\n";
    return 0;
}

int log_out(const context& c) {
    const auto stored = read_stored_login(c.login_path);
    const bool removed = remove_stored_login(c.login_path);
    if (c.json) {
        std::cout << nlohmann::json{{"ok", true}, {"profile", c.profile}, {"removed", removed}}.dump() << "\n";
    } else if (removed) {
        std::cout << "logged out: forgot " << safe_text(stored ? stored->user : "?") << " on "
                  << safe_text(stored ? stored->broker : "?") << " (profile " << c.profile << ")\n";
    } else {
        std::cout << "no stored login for profile " << c.profile << "\n";
    }
    return 0;
}

int change_password(const context& c) {
    // The current password first: a wrong one is said before the new one is asked for.
    std::optional<rpc_client> server;
    server.emplace(c.client.broker, c.client.user);
    const std::string fresh = c.new_password ? *c.new_password : new_password(c.new_password_file, c.client.user, "papo");
    try {
        server->ask(requests::users_password{{fresh}}, c.client.broker.timeout);
    } catch (const error& e) {
        // Dynamic security closes the user's connections when the password changes, at times
        // before the answer reaches us: logging in with the new password tells.
        if (e.kind() != error_kind::no_answer && e.kind() != error_kind::connection_lost && e.kind() != error_kind::timed_out)
            throw;
        server.reset();
        session_options with_new = c.client.broker;
        with_new.password = fresh;
        try {
            rpc_client check(with_new, c.client.user);
        } catch (const error&) {
            throw e;
        }
    }
    const bool stored = own_stored_login(c).has_value();
    if (stored) write_stored_login(c.login_path, login_of(c, fresh));
    if (c.json)
        std::cout << nlohmann::json{{"ok", true}, {"user", c.client.user}, {"stored_login_updated", stored}}.dump() << "\n";
    else
        std::cout << "changed the password of " << safe_text(c.client.user)
                  << (stored ? " (and the stored login of profile " + c.profile + ")" : "") << "\n";
    return 0;
}

}  // namespace papo::cli
