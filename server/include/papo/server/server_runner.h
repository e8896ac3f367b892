#pragma once
// papo-server's I/O: loads the retained registry, then serves requests and
// watches traffic on its own persistent session, carrying out server_core's actions.
#include "papo/server/registry_file.h"
#include "papo/server/server_core.h"
#include "papo/session.h"

#include <atomic>
#include <chrono>
#include <memory>

namespace papo {

struct server_config {
    session_options broker;  // broker URI and credentials; the client id is papo-server's own
    std::chrono::milliseconds snapshot_interval{100};
    bool no_accounts = false;  // an open broker: skip dynamic-security commands
    std::string state_dir = "data/server";  // papo-server's own copy of the registry
};

class server_runner {
public:
    explicit server_runner(server_config config);
    // Runs until `stop` turns true; throws papo::error when the broker cannot be reached at start.
    void run(const std::atomic<bool>& stop);

private:
    // Loads the retained registry, merges it with the saved copy and returns the repairs.
    std::vector<server_action> load_registry();
    // Saves what the last request changed in the registry; throws papo::error.
    void save_changes();
    void dispatch(const inbound& message);
    void answer(const inbound& request);
    bool execute(const std::vector<server_action>& actions, std::string& failure);
    void open_queue_session(const std::string& name, const std::vector<std::string>& filters);
    void close_queue_session(const std::string& name);
    void repair_queue_session(const std::string& name, const std::vector<std::string>& filters,
                              const std::vector<std::string>& dropped);
    // Sends dynamic-security commands and waits for the broker's answer; throws papo::error on refusal.
    void secure(const std::vector<nlohmann::json>& commands);
    session_options options_for(const std::string& client_id, bool persistent) const;

    server_config config_;
    server_core core_;
    std::unique_ptr<registry_file> saved_;  // the copy in --state-dir
    session_ptr main_;
    session_ptr control_;  // papo-server~control: dynamic-security administration
    std::size_t malformed_ = 0;
};

}  // namespace papo
