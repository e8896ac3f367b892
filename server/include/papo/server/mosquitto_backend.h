#pragma once
// broker_backend for Mosquitto 2.0: accounts and topic rights through the
// dynamic-security plugin (commands on $CONTROL/dynamic-security/v1, answered on
// .../response), queues as persistent MQTT 5 sessions that papo-server opens under
// the user's client id. papo_guard (broker-plugin/) narrows the one papo-user role
// to each user's own name.
#include "papo/server/broker_backend.h"

#include "papo/session.h"

#include <memory>

#include <nlohmann/json.hpp>

namespace papo {

class mosquitto_backend : public broker_backend {
public:
    // `base`: the broker and papo-server's credentials. `manage_accounts` false: an open
    // broker without dynsec (benchmarks), where the account calls do nothing.
    mosquitto_backend(session_options base, bool manage_accounts);
    ~mosquitto_backend() override;

    void prepare() override;
    void create_account(const std::string& name, const std::string& password, bool is_queue) override;
    void delete_account(const std::string& name) override;
    void set_password(const std::string& name, const std::string& password) override;
    void grant_topics(const std::vector<std::string>& topics) override;
    void revoke_topic(const std::string& topic) override;
    void open_queue(const std::string& name, const queue_subscriptions& subscriptions) override;
    // Safe to call from several threads at once (each call has its own connection).
    std::vector<inbound> repair_queue(const std::string& name, const queue_subscriptions& subscriptions,
                                      const std::vector<std::string>& dropped) override;
    void wipe_queue(const std::string& name) override;

private:
    // Sends dynsec commands as one batch and waits for the answer; throws papo::error on refusal.
    void run(std::vector<nlohmann::json> commands);
    session_options queue_options(const std::string& name, bool persistent) const;

    session_options base_;
    bool manage_accounts_;
    session_ptr control_;  // papo-server~control: dynsec's answers come on one shared topic
};

namespace dynsec {
// Failures in a dynsec response, one text per failed command; errors that only say the
// wanted state exists already (or is already gone) are not failures.
std::vector<std::string> failures(const nlohmann::json& response);
}  // namespace dynsec

}  // namespace papo
