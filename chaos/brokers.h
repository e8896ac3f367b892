#pragma once
// Where papo-chaos runs, and what a broker crash is there: one Mosquitto with the
// project's configuration (SIGKILL, start again on the same data folder), or a 2-node
// ejabberd cluster (scripts/ejabberd-cluster.sh; SIGKILL of a node, whose sessions live
// in RAM only, then restart-node). Users and devices are spread over the nodes; papo-server
// and papo-admin use node 1.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace papo::chaos {

class brokers {
public:
    virtual ~brokers() = default;
    // The broker the `index`-th user or device connects to.
    virtual std::string uri_for(int index) const = 0;
    virtual std::string admin_uri() const = 0;
    virtual std::string admin_password_file() const = 0;
    // papo-server's options for this broker (--broker, its login, the backend's).
    virtual std::vector<std::string> server_options() const = 0;
    // The broker announces its restarts (broker/epoch) and papo-server replays its store
    // at once; on the cluster, readers ask users.replay for what they miss.
    virtual bool announces_restarts() const = 0;
    // What crash() does, for the timeline ("SIGKILL broker", "SIGKILL node 2").
    virtual std::string crash_name() const = 0;
    // SIGKILL, an outage of 1 s, then started again (waits until it serves).
    virtual void crash() = 0;
    // A clean stop and start: the accounts and sessions made so far are written to disk.
    virtual void restart_cleanly() = 0;
    virtual void print_log_tail(std::ostream& out, std::size_t lines) const = 0;
    virtual std::string log_text() const = 0;
};

// extra_config: mosquitto.conf lines added to the project's.
std::unique_ptr<brokers> start_mosquitto(const std::vector<std::string>& extra_config);
// Throws when the cluster does not start (ejabberd missing, not root). crash() SIGKILLs
// node `victim` (2: the users' node only; 1: also papo-server's and papo-admin's).
std::unique_ptr<brokers> start_ejabberd_cluster(const std::string& folder, int victim);

}  // namespace papo::chaos
