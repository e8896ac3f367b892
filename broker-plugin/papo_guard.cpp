// papo_guard: a Mosquitto 2.0 plugin (v5 API) that applies papo's identity rules
// (access_rules.h) before the dynamic-security plugin grants anything. It must be
// listed before dynsec in mosquitto.conf: the broker asks plugins in order and the
// first answer other than "defer" wins.
//   plugin /path/to/papo_guard.so
//   plugin_opt_privileged_user papo-server     (default papo-server)
#include "access_rules.h"

extern "C" {
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
}

#include <cstring>
#include <string>

namespace {

using papo::access::action;
using papo::access::verdict;

mosquitto_plugin_id_t* plugin_id = nullptr;
std::string privileged = "papo-server";

std::string_view text(const char* s) { return s ? std::string_view(s) : std::string_view(); }

int on_basic_auth(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_basic_auth*>(event_data);
    const auto username = text(ed->username);
    const auto client_id = text(mosquitto_client_id(ed->client));
    if (papo::access::check_client_id(username, client_id, privileged) == verdict::defer)
        return MOSQ_ERR_PLUGIN_DEFER;
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "papo_guard: refused client id '%s' for user '%s'",
                         std::string(client_id).c_str(), std::string(username).c_str());
    return MOSQ_ERR_AUTH;
}

action action_of(int access) {
    switch (access) {
        case MOSQ_ACL_READ: return action::read;
        case MOSQ_ACL_WRITE: return action::write;
        case MOSQ_ACL_SUBSCRIBE: return action::subscribe;
        default: return action::unsubscribe;
    }
}

int on_acl_check(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_acl_check*>(event_data);
    const auto username = text(mosquitto_client_username(ed->client));
    if (papo::access::check_topic(username, action_of(ed->access), text(ed->topic), privileged) == verdict::defer)
        return MOSQ_ERR_PLUGIN_DEFER;
    return MOSQ_ERR_ACL_DENIED;
}

}  // namespace

extern "C" {

int mosquitto_plugin_version(int, const int*) { return 5; }

int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void**, mosquitto_opt* options, int option_count) {
    plugin_id = identifier;
    for (int i = 0; i < option_count; ++i)
        if (std::strcmp(options[i].key, "privileged_user") == 0 && options[i].value) privileged = options[i].value;
    int rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr, nullptr);
    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr, nullptr);
    return rc;
}

int mosquitto_plugin_cleanup(void*, mosquitto_opt*, int) {
    mosquitto_callback_unregister(plugin_id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, nullptr);
    mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, on_acl_check, nullptr);
    return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
