#include "papo/server/mosquitto_backend.h"

#include "papo/server/broker_security.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/log.h"
#include "papo/topics.h"

namespace papo {
namespace {

using json = nlohmann::json;

constexpr const char* control_topic = "$CONTROL/dynamic-security/v1";
constexpr const char* control_response_topic = "$CONTROL/dynamic-security/v1/response";

json delete_client(const std::string& name) { return {{"command", "deleteClient"}, {"username", name}}; }

// The two rights a topic gives papo-user (papo_guard narrows publishing to one's own name).
std::vector<json> topic_acls(const char* command, const std::string& topic, bool with_grant) {
    std::vector<json> commands;
    for (const char* type : {"publishClientSend", "subscribePattern"}) {
        json c{{"command", command}, {"rolename", broker_security::user_role}, {"acltype", type},
               {"topic", topics::post_filter(topic)}};
        if (with_grant) c["allow"] = true, c["priority"] = 0;
        commands.push_back(std::move(c));
    }
    return commands;
}

void subscribe_queue(session& queue, const queue_subscriptions& s) {
    queue.subscribe(s.inbox, 1);
    queue.subscribe(s.posts, 1, /*no_local=*/true);
}

}  // namespace

namespace dynsec {
std::vector<std::string> failures(const json& response) {
    std::vector<std::string> out;
    const auto responses = response.find("responses");
    if (responses == response.end() || !responses->is_array()) return {"malformed dynamic-security response"};
    for (const auto& r : *responses) {
        const auto e = r.find("error");
        if (e == r.end() || !e->is_string()) continue;
        const std::string text = e->get<std::string>();
        const std::string command = r.value("command", std::string("?"));
        // Idempotent intent: deleting what is gone, adding what is there. dynsec's
        // answers carry no codes, so its own texts are all there is to go by.
        if ((command == "deleteClient" || command == "removeRoleACL") && text.find("not found") != std::string::npos)
            continue;
        if ((command == "addRoleACL" || command == "createRole") && text.find("already exists") != std::string::npos)
            continue;
        out.push_back(command + ": " + text);
    }
    return out;
}
}  // namespace dynsec

mosquitto_backend::mosquitto_backend(session_options base, bool manage_accounts)
    : base_(std::move(base)), manage_accounts_(manage_accounts) {
    base_.will.reset();
    base_.auto_reconnect = false;
}

mosquitto_backend::~mosquitto_backend() {
    try {
        if (control_) control_->disconnect();
    } catch (const error&) {
    }
}

session_options mosquitto_backend::queue_options(const std::string& name, bool persistent) const {
    session_options options = base_;
    options.client_id = name;
    options.persistent = persistent;
    // Clean start off for a kept session: Mosquitto 2.0.11 restores a session that was
    // created with clean start ON from its database without its queued messages, so a
    // queue made that way would lose its mail at the first broker restart.
    options.clean_start = !persistent;
    return options;
}

void mosquitto_backend::prepare() {
    run({{{"command", "createRole"}, {"rolename", broker_security::queue_role},
          {"acls", json::parse(broker_security::queue_role_acls_json())}}});
    // Rights added since a broker's accounts were first written (idempotent). Without them
    // papo only misses the broker's restarts (its outbox is resent on its timer), so a
    // refusal is told, not fatal.
    const std::pair<const char*, const char*> added[] = {{broker_security::user_role, topics::broker_epoch},
                                                         {broker_security::queue_role, topics::broker_epoch},
                                                         {broker_security::user_role, topics::server_status},
                                                         {broker_security::queue_role, topics::server_status},
                                                         {broker_security::admin_role, topics::server_status}};
    for (const auto& [role, topic] : added) {
        try {
            run({{{"command", "addRoleACL"}, {"rolename", role}, {"acltype", "subscribePattern"},
                  {"topic", topic}, {"allow", true}, {"priority", 0}}});
        } catch (const error& e) {
            if (e.kind() != error_kind::broker_refused) throw;
            log_warn(std::string("cannot let role ") + role + " read " + topic + ": " + e.what());
        }
    }
}

void mosquitto_backend::create_account(const std::string& name, const std::string& password, bool is_queue) {
    // A credential left by an earlier, interrupted removal must not survive.
    const char* role = is_queue ? broker_security::queue_role : broker_security::user_role;
    run({delete_client(name), {{"command", "createClient"}, {"username", name}, {"password", password},
                               {"roles", json::array({{{"rolename", role}}})}}});
}

void mosquitto_backend::delete_account(const std::string& name) { run({delete_client(name)}); }

void mosquitto_backend::set_password(const std::string& name, const std::string& password) {
    run({{{"command", "setClientPassword"}, {"username", name}, {"password", password}}});
}

void mosquitto_backend::grant_topics(const std::vector<std::string>& topic_names) {
    std::vector<json> commands;
    for (const auto& topic : topic_names)
        for (auto& command : topic_acls("addRoleACL", topic, true)) commands.push_back(std::move(command));
    run(std::move(commands));
}

void mosquitto_backend::revoke_topic(const std::string& topic) { run(topic_acls("removeRoleACL", topic, false)); }

void mosquitto_backend::open_queue(const std::string& name, const queue_subscriptions& subscriptions) {
    auto queue = std::make_unique<session>(queue_options(name, true));
    queue->connect();
    if (queue->session_present()) {
        // A new queue starts empty: wipe what an earlier session of this client id left
        // (a purge, or a name used before), then make the durable session again.
        queue->disconnect();
        queue.reset();
        wipe_queue(name);
        queue = std::make_unique<session>(queue_options(name, true));
        queue->connect();
    }
    subscribe_queue(*queue, subscriptions);
    queue->disconnect();
}

std::vector<inbound> mosquitto_backend::repair_queue(const std::string& name, const queue_subscriptions& subscriptions,
                                                     const std::vector<std::string>& dropped) {
    session queue(queue_options(name, true));  // clean start off and no wipe
    queue.connect();
    subscribe_queue(queue, subscriptions);
    queue.unsubscribe(dropped);
    queue.disconnect();
    // What the broker sent before the DISCONNECT, Paho acknowledged: it left the session
    // and is the caller's to keep. What it had not sent yet stays in the session.
    std::vector<inbound> taken;
    while (auto message = queue.next(std::chrono::milliseconds(0)))
        if (!message->connection_lost) taken.push_back(std::move(*message));
    return taken;
}

void mosquitto_backend::wipe_queue(const std::string& name) {
    // Clean start with no expiry: the broker drops the session and its messages at disconnect.
    session queue(queue_options(name, false));
    queue.connect();
    queue.disconnect();
}

void mosquitto_backend::run(std::vector<json> commands) {
    if (commands.empty() || !manage_accounts_) return;
    const std::string tag = random_hex(12);
    json batch{{"commands", json::array()}};
    for (auto& command : commands) {
        command["correlationData"] = tag;
        batch["commands"].push_back(std::move(command));
    }
    // Every batch papo-server sends is idempotent (deleting what is gone and granting what
    // is granted succeed), so a batch the broker may or may not have seen before it went
    // away is simply sent again on a new connection: the first change after a broker
    // restart works like any other.
    for (int attempt = 1;; ++attempt) {
        try {
            if (!control_ || !control_->connected()) {
                // Its own connection: waiting for dynsec's answer must not hold up the traffic
                // queued on papo-server's main session.
                control_.reset();
                session_options options = base_;
                options.client_id = "papo-server~control";
                options.persistent = false;
                options.clean_start = true;
                auto control = std::make_unique<session>(options);
                control->connect();
                control->subscribe({control_response_topic}, 1);
                control_ = std::move(control);
            }
            control_->publish(control_topic, batch.dump());
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (std::chrono::steady_clock::now() < deadline) {
                auto message = control_->next(std::chrono::milliseconds(200));
                if (!message) continue;
                if (message->connection_lost)
                    throw error(error_kind::connection_lost, "lost the broker while changing accounts");
                const auto answer = json::parse(message->payload, nullptr, false);
                const auto responses = answer.find("responses");
                if (answer.is_discarded() || responses == answer.end() || !responses->is_array() || responses->empty() ||
                    responses->front().value("correlationData", "") != tag)
                    continue;  // someone else's answer, or one to an earlier try
                const auto failed = dynsec::failures(answer);
                if (failed.empty()) return;
                std::string text;
                for (const auto& f : failed) text += (text.empty() ? "" : "; ") + f;
                throw error(error_kind::broker_refused, "the broker refused the account change: " + text);
            }
            throw error(error_kind::timed_out,
                        "the broker's dynamic-security plugin did not answer within 10 s (is it loaded?)");
        } catch (const error& e) {
            const bool connection_trouble = e.kind() == error_kind::connection_lost || e.kind() == error_kind::unreachable ||
                                            (control_ && !control_->connected());
            if (!connection_trouble || attempt == 3) throw;
            control_.reset();  // a new connection, and the same batch again
        }
    }
}

}  // namespace papo
