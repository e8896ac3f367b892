#pragma once
// How the benchmark's connections log in. On an open broker nobody logs in; on the
// project's configuration every connection is a real account: the users papo-server
// made (password bench_password), papo-admin, and papo-server itself for the
// raw side's own dynamic-security commands.
#include "scenarios.h"

#include "papo/session.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace papo::bench {

inline constexpr const char* bench_password = "bench-password";

// Options for a connection of `user` with `client_id` (which papo_guard requires to be
// `user` or `user~...`); the login only when the broker has accounts.
session_options login_as(const target& t, const std::string& user, const std::string& client_id, bool persistent);
// The same for a receiving end: on the cluster it logs in on node 2.
session_options receiver_login(const target& t, const std::string& user, const std::string& client_id, bool persistent);

// papo-server's login to dynsec ($CONTROL/dynamic-security/v1), on a connection of the
// benchmark's own (client id papo-server~bench: papo-server's ~control stays undisturbed).
class dynsec_control {
public:
    explicit dynsec_control(const target& t);
    // One batch; waits (bounded: 10 s) for dynsec's answer and throws papo::error on a refusal.
    void run(std::vector<nlohmann::json> commands);

private:
    std::unique_ptr<session> control_;
};

// The raw baseline's topics (bench/#) for the papo-user role, which every user has: the
// raw side logs in with the same accounts but publishes where papo-server does not
// listen, as a plain MQTT application on the same broker would. On ejabberd the access
// rules are global patterns in its config: the cluster is started with bench/# in them
// (PAPO_CLUSTER_BENCH=1, scripts/ejabberd-cluster.sh), and this does nothing.
void grant_raw_topics(const target& t);
// The raw equivalent of an account: what papo-server's users.add sends dynsec.
std::vector<nlohmann::json> create_account_commands(const std::string& name);

}  // namespace papo::bench
