#pragma once
// papo's accounts and rights on the broker: Mosquitto's dynamic-security plugin
// (dynsec), administered by papo-server over MQTT, plus the papo_guard plugin
// (broker-plugin/) that ties every name in a topic to the authenticated user.
// Pure builders of dynsec commands and of its first configuration file.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo::broker_security {

inline constexpr const char* control_topic = "$CONTROL/dynamic-security/v1";
inline constexpr const char* control_response_topic = "$CONTROL/dynamic-security/v1/response";
inline constexpr const char* server_account = "papo-server";
inline constexpr const char* admin_account = "papo-admin";
// Every user and named queue has this one role; papo_guard narrows it to the user's own name.
inline constexpr const char* user_role = "papo-user";

// Commands (one JSON object each) for `{"commands": [...]}` on control_topic.
std::vector<nlohmann::json> create_account(const std::string& name, const std::string& password);
nlohmann::json delete_account(const std::string& name);
nlohmann::json set_password(const std::string& name, const std::string& password);
std::vector<nlohmann::json> open_topic(const std::string& topic);   // members may post and subscribe
std::vector<nlohmann::json> close_topic(const std::string& topic);  // posting to it is refused

// Failures in a dynsec response, one text per failed command; errors that only
// say the wanted state exists already (or is already gone) are not failures.
std::vector<std::string> failures(const nlohmann::json& response);

// The first dynamic-security.json: the roles above, and the papo-server and
// papo-admin accounts with these passwords, stored as dynsec stores them
// (PBKDF2-SHA512, random salt).
std::string initial_config(const std::string& server_password, const std::string& admin_password);

// Creates `broker_file` (the dynsec configuration) and, in `secrets_dir`,
// papo-server.password and papo-admin.password, all mode 0600, with fresh random
// passwords. Refuses to overwrite anything.
void bootstrap(const std::string& broker_file, const std::string& secrets_dir);

}  // namespace papo::broker_security
