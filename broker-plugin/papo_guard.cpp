// papo_guard: a Mosquitto 2.0 plugin (v5 API) that applies papo's identity rules
// (access_rules.h) and resource limits (limits.h) before the dynamic-security
// plugin grants anything. It must be listed before dynsec in mosquitto.conf: the
// broker asks plugins in order and the first answer other than "defer" wins.
//   plugin /path/to/papo_guard.so
//   plugin_opt_privileged_user papo-server     (default papo-server; no limits)
//   plugin_opt_rate_exempt_user papo-admin     (no rate limits; may repeat)
//   plugin_opt_<limit> <number>                (limits.h, SECURITY.md; 0 = off)
#include "access_rules.h"
#include "limits.h"
#include "socket_sweeper.h"

extern "C" {
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>
}

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using papo::access::action;
using papo::access::verdict;
using steady = std::chrono::steady_clock;

mosquitto_plugin_id_t* plugin_id = nullptr;
std::string privileged = "papo-server";
std::unique_ptr<papo::guard::guard_state> state;
std::unique_ptr<papo::guard::socket_sweeper> sweeper;
steady::time_point next_sweep{}, next_prune{};
// When each (account, reason) was last logged: one line per 10 s, not one per refusal.
std::map<std::string, steady::time_point> last_logged;

std::string_view text(const char* s) { return s ? std::string_view(s) : std::string_view(); }
std::string str(const char* s) { return s ? std::string(s) : std::string(); }

void log_throttled(const std::string& key, steady::time_point now, const char* format, const std::string& a,
                   const std::string& b) {
    auto& last = last_logged[key];
    if (last != steady::time_point{} && now - last < std::chrono::seconds(10)) return;
    last = now;
    mosquitto_log_printf(MOSQ_LOG_NOTICE, format, a.c_str(), b.c_str());
}

int on_basic_auth(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_basic_auth*>(event_data);
    const auto username = text(ed->username);
    const auto client_id = text(mosquitto_client_id(ed->client));
    if (papo::access::check_client_id(username, client_id, privileged) != verdict::defer) {
        mosquitto_log_printf(MOSQ_LOG_NOTICE, "papo_guard: refused client id '%s' for user '%s'",
                             std::string(client_id).c_str(), std::string(username).c_str());
        return MOSQ_ERR_AUTH;
    }
    if (papo::access::check_session(username, client_id, mosquitto_client_clean_session(ed->client), privileged) !=
        verdict::defer) {
        mosquitto_log_printf(MOSQ_LOG_NOTICE,
                             "papo_guard: refused a clean-start login of '%s' with its queue's client id: it would "
                             "wipe the messages waiting for it (connect with clean start off, or a client id '%s~...')",
                             std::string(username).c_str(), std::string(username).c_str());
        return MOSQ_ERR_AUTH;
    }
    if (username == privileged) {
        // papo-server remaking a queue session (clean start off) must not take over the
        // user's own live connection: that papo or device holds the session already, and
        // would take the takeover for another login of its user.
        if (!mosquitto_client_clean_session(ed->client) && client_id != privileged) {
            bool live = false;
            state->for_each_connection(std::string(client_id), [&](const void* other) {
                if (other != ed->client && text(mosquitto_client_id(static_cast<const mosquitto*>(other))) == client_id)
                    live = true;
            });
            if (live) {
                mosquitto_log_printf(MOSQ_LOG_INFO, "papo_guard: %s's queue session is in use by its own connection; "
                                     "not taken over by %s", std::string(client_id).c_str(), privileged.c_str());
                return MOSQ_ERR_AUTH;
            }
        }
        return MOSQ_ERR_PLUGIN_DEFER;
    }
    const auto now = steady::now();
    const std::string user(username), address = str(mosquitto_client_address(ed->client));
    switch (state->login_attempt(ed->client, user, address, now)) {
        case papo::guard::login::allow: return MOSQ_ERR_PLUGIN_DEFER;
        case papo::guard::login::throttled:
            // No CONNACK at all: a guesser learns nothing, and a real client
            // retries later as after any lost connection.
            log_throttled("login " + user, now, "papo_guard: logins of '%s' (from %s) throttled after failed logins",
                          user, address);
            return MOSQ_ERR_UNKNOWN;
        case papo::guard::login::too_many_connections:
            log_throttled("connections " + user, now, "papo_guard: refused a login of '%s' (from %s): too many connections",
                          user, address);
            return MOSQ_ERR_AUTH;
    }
    return MOSQ_ERR_AUTH;
}

int on_disconnect(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_disconnect*>(event_data);
    // The broker clears the client id of a connection whose login it refused.
    state->disconnected(ed->client, mosquitto_client_id(ed->client) == nullptr, steady::now());
    return MOSQ_ERR_SUCCESS;
}

action action_of(int access) {
    switch (access) {
        case MOSQ_ACL_READ: return action::read;
        case MOSQ_ACL_WRITE: return action::write;
        case MOSQ_ACL_SUBSCRIBE: return action::subscribe;
        default: return action::unsubscribe;
    }
}

std::size_t subscriptions_of(const std::string& user) {
    std::size_t total = 0;
    state->for_each_connection(user, [&](const void* client) {
        total += static_cast<std::size_t>(mosquitto_client_sub_count(static_cast<const mosquitto*>(client)));
    });
    return total;
}

int on_acl_check(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_acl_check*>(event_data);
    const auto username = text(mosquitto_client_username(ed->client));
    const auto what = action_of(ed->access);
    if (papo::access::check_topic(username, what, text(ed->topic), privileged) == verdict::deny)
        return MOSQ_ERR_ACL_DENIED;
    if (what == action::read && papo::access::check_request_delivery(username, text(mosquitto_client_id(ed->client)),
                                                                      text(ed->topic), privileged) == verdict::deny)
        return MOSQ_ERR_ACL_DENIED;
    if (username == privileged) return MOSQ_ERR_PLUGIN_DEFER;
    const std::string user(username);
    const auto now = steady::now();
    if (what == action::write) {
        const auto refusal = state->check_publish(user, text(ed->topic), ed->payloadlen, ed->retain, now);
        if (refusal == papo::guard::refusal::none) return MOSQ_ERR_PLUGIN_DEFER;
        log_throttled(std::string(papo::guard::describe(refusal)) + " " + user, now,
                      "papo_guard: refused a publish of '%s': %s", user, papo::guard::describe(refusal));
        return MOSQ_ERR_ACL_DENIED;
    }
    if (what == action::subscribe && !state->may_subscribe(subscriptions_of(user))) {
        log_throttled("subscriptions " + user, now, "papo_guard: refused a subscription of '%s': %s", user,
                      "too many subscriptions");
        return MOSQ_ERR_ACL_DENIED;
    }
    return MOSQ_ERR_PLUGIN_DEFER;
}

// papo-server marks a queue full on its retained snapshot (registry/queues/<name>)
// with the user property papo-queue-full = 1 or 0.
int on_message(int, void* event_data, void*) {
    const auto* ed = static_cast<mosquitto_evt_message*>(event_data);
    if (text(mosquitto_client_username(ed->client)) != privileged) return MOSQ_ERR_SUCCESS;
    constexpr std::string_view prefix = "registry/queues/";
    const auto topic = text(ed->topic);
    if (topic.substr(0, prefix.size()) != prefix) return MOSQ_ERR_SUCCESS;
    const std::string queue(topic.substr(prefix.size()));
    if (ed->payloadlen == 0) {
        state->set_queue_full(queue, false);
        return MOSQ_ERR_SUCCESS;
    }
    char* name = nullptr;
    char* value = nullptr;
    bool skip_first = false;
    for (const mosquitto_property* p = ed->properties;
         (p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY, &name, &value, skip_first));
         skip_first = true) {
        if (name && value && std::strcmp(name, "papo-queue-full") == 0) state->set_queue_full(queue, std::strcmp(value, "1") == 0);
        std::free(name);
        std::free(value);
        name = value = nullptr;
    }
    return MOSQ_ERR_SUCCESS;
}

// broker/epoch (retained): a new value each time the broker starts, published at the
// first tick, after the broker restored its database (which holds the previous
// start's value). A restarted broker lost what it had not saved: papo-server then
// publishes again what no reader confirmed, and clients send their outboxes again.
bool epoch_announced = false;

void announce_epoch() {
    unsigned char bytes[16];
    std::FILE* random = std::fopen("/dev/urandom", "rb");
    const bool read = random && std::fread(bytes, 1, sizeof bytes, random) == sizeof bytes;
    if (random) std::fclose(random);
    if (!read) return;  // tried again at the next tick
    std::string epoch;
    for (const unsigned char b : bytes) {
        static const char hex[] = "0123456789abcdef";
        epoch += hex[b >> 4];
        epoch += hex[b & 15];
    }
    char since[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &utc);
    const std::string payload = "{\"epoch\":\"" + epoch + "\",\"since\":\"" + since + "\"}";
    if (mosquitto_broker_publish_copy(nullptr, "broker/epoch", static_cast<int>(payload.size()), payload.data(), 1,
                                      true, nullptr) == MOSQ_ERR_SUCCESS) {
        epoch_announced = true;
        mosquitto_log_printf(MOSQ_LOG_NOTICE, "papo_guard: broker epoch %s", epoch.c_str());
        // papo-server's retained status is from the broker's previous life: a clean
        // shutdown sent its will ("offline") although papo-server runs on, a SIGKILL
        // kept "online" although it may not. Removed, it is "unknown" (askers wait for
        // an answer) until papo-server, reconnecting, says again. The first tick comes
        // before any client of this start can have published.
        mosquitto_broker_publish_copy(nullptr, "server/v1/status", 0, nullptr, 1, true, nullptr);
    }
}

int on_tick(int, void*, void*) {
    const auto now = steady::now();
    if (!epoch_announced) announce_epoch();
    if (now >= next_sweep) {
        if (const auto closed = sweeper->sweep(now))
            mosquitto_log_printf(MOSQ_LOG_NOTICE, "papo_guard: closed %zu socket(s) that sent no CONNECT", closed);
        next_sweep = now + std::chrono::seconds(1);
    }
    if (now >= next_prune) {
        state->prune(now);
        for (auto it = last_logged.begin(); it != last_logged.end();)
            it = now - it->second > std::chrono::minutes(1) ? last_logged.erase(it) : std::next(it);
        next_prune = now + std::chrono::minutes(1);
    }
    return MOSQ_ERR_SUCCESS;
}

struct registration {
    int event;
    MOSQ_FUNC_generic_callback callback;
};
const registration callbacks[] = {{MOSQ_EVT_BASIC_AUTH, on_basic_auth}, {MOSQ_EVT_ACL_CHECK, on_acl_check},
                                  {MOSQ_EVT_DISCONNECT, on_disconnect}, {MOSQ_EVT_MESSAGE, on_message},
                                  {MOSQ_EVT_TICK, on_tick}};

}  // namespace

extern "C" {

int mosquitto_plugin_version(int, const int*) { return 5; }

int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void**, mosquitto_opt* options, int option_count) {
    plugin_id = identifier;
    papo::guard::limits limits;
    std::vector<std::string> exempt;
    for (int i = 0; i < option_count; ++i) {
        const std::string key = options[i].key ? options[i].key : "";
        const std::string value = options[i].value ? options[i].value : "";
        if (key == "privileged_user") {
            privileged = value;
        } else if (key == "rate_exempt_user") {
            exempt.push_back(value);
        } else if (const auto problem = papo::guard::set_option(limits, key, value); !problem.empty()) {
            mosquitto_log_printf(MOSQ_LOG_ERR, "papo_guard: plugin_opt_%s %s: %s", key.c_str(), value.c_str(),
                                 problem.c_str());
            return MOSQ_ERR_INVAL;
        }
    }
    state = std::make_unique<papo::guard::guard_state>(limits);
    for (auto& user : exempt) state->exempt_from_rates(user);
    sweeper = std::make_unique<papo::guard::socket_sweeper>(limits.connect_timeout);
    for (const auto& r : callbacks) {
        const int rc = mosquitto_callback_register(plugin_id, r.event, r.callback, nullptr, nullptr);
        if (rc != MOSQ_ERR_SUCCESS) return rc;
    }
    return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void*, mosquitto_opt*, int) {
    for (const auto& r : callbacks) mosquitto_callback_unregister(plugin_id, r.event, r.callback, nullptr);
    state.reset();
    sweeper.reset();
    return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
