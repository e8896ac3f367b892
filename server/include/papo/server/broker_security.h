#pragma once
// papo's accounts and rights on the broker: Mosquitto's dynamic-security plugin
// (dynsec), administered by papo-server over MQTT, plus the papo_guard plugin
// (broker-plugin/) that ties every name in a topic to the authenticated user.
// The first configuration of dynsec; the commands papo-server sends it at run time
// are mosquitto_backend's.
#include <string>
#include <vector>

namespace papo::broker_security {

inline constexpr const char* server_account = "papo-server";
inline constexpr const char* admin_account = "papo-admin";
inline constexpr const char* admin_role = "papo-admin";  // the manager's account's one role
// Every user and named queue has this one role; papo_guard narrows it to the user's own name.
inline constexpr const char* user_role = "papo-user";
// A named queue's account reads its own queue, confirms what it read (receipts,
// users.confirm), asks papo-server and says when it is online; it does not DM, post or join.
inline constexpr const char* queue_role = "papo-queue";
// The role's rights, as dynsec's "acls" array (JSON text): for createRole at start-up,
// so a broker set up before the role existed gets it too.
std::string queue_role_acls_json();

// The first dynamic-security.json: the roles above, and the papo-server and
// papo-admin accounts with these passwords, stored as dynsec stores them
// (PBKDF2-SHA512, random salt).
std::string initial_config(const std::string& server_password, const std::string& admin_password);

// Creates `broker_file` (the dynsec configuration) and, in `secrets_dir`,
// papo-server.password and papo-admin.password, all mode 0600, with fresh random
// passwords. Refuses to overwrite anything.
void bootstrap(const std::string& broker_file, const std::string& secrets_dir);

}  // namespace papo::broker_security
