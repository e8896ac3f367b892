#include "accounts.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/server/broker_security.h"
#include "papo/server/server_core.h"

namespace papo::bench {
namespace {
constexpr const char* control_topic = "$CONTROL/dynamic-security/v1";
constexpr const char* control_response_topic = "$CONTROL/dynamic-security/v1/response";
}  // namespace

session_options login_as(const target& t, const std::string& user, const std::string& client_id, bool persistent) {
    session_options o;
    o.broker = t.broker;
    o.client_id = client_id;
    o.persistent = persistent;
    o.clean_start = !persistent;
    o.timeout = std::chrono::seconds(10);
    if (t.accounts) {
        o.username = user;
        o.password = user == admin_name ? t.admin_password : user == broker_security::server_account ? t.server_password : bench_password;
    }
    return o;
}

session_options receiver_login(const target& t, const std::string& user, const std::string& client_id, bool persistent) {
    session_options o = login_as(t, user, client_id, persistent);
    if (!t.receiver_broker.empty()) o.broker = t.receiver_broker;
    return o;
}

dynsec_control::dynsec_control(const target& t)
    : control_(std::make_unique<session>(login_as(t, broker_security::server_account, std::string(broker_security::server_account) + "~bench-" + random_hex(6), false))) {
    control_->connect();
    control_->subscribe({control_response_topic}, 1);
}

void dynsec_control::run(std::vector<nlohmann::json> commands) {
    const std::string tag = random_hex(12);
    nlohmann::json batch{{"commands", nlohmann::json::array()}};
    for (auto& command : commands) {
        command["correlationData"] = tag;
        batch["commands"].push_back(std::move(command));
    }
    control_->publish(control_topic, batch.dump());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        auto message = control_->next(std::chrono::milliseconds(200));
        if (!message) continue;
        if (message->connection_lost) throw error("lost the broker while waiting for dynsec");
        const auto answer = nlohmann::json::parse(message->payload, nullptr, false);
        if (answer.is_discarded() || !answer.contains("responses") || !answer["responses"].is_array() ||
            answer["responses"].empty() || answer["responses"].front().value("correlationData", "") != tag)
            continue;  // papo-server's answers come on the same topic
        for (const auto& r : answer["responses"]) {
            const std::string failure = r.value("error", std::string());
            // Idempotent like papo-server's: deleting what is gone is no failure.
            if (!failure.empty() && failure.find("not found") == std::string::npos &&
                failure.find("already exists") == std::string::npos)
                throw error("dynsec refused " + r.value("command", std::string("?")) + ": " + failure);
        }
        return;
    }
    throw error("dynsec did not answer within 10 s");
}

void grant_raw_topics(const target& t) {
    if (!t.accounts || t.on_ejabberd) return;
    std::vector<nlohmann::json> commands;
    for (const char* type : {"publishClientSend", "subscribePattern"})
        commands.push_back({{"command", "addRoleACL"}, {"rolename", broker_security::user_role}, {"acltype", type},
                            {"topic", "bench/#"}, {"allow", true}, {"priority", 0}});
    dynsec_control(t).run(std::move(commands));
}

std::vector<nlohmann::json> create_account_commands(const std::string& name) {
    return {{{"command", "deleteClient"}, {"username", name}},
            {{"command", "createClient"}, {"username", name}, {"password", bench_password},
             {"roles", nlohmann::json::array({{{"rolename", broker_security::user_role}}})}}};
}

}  // namespace papo::bench
