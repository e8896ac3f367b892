#pragma once
// The scale step (papo-bench --config scale, bench/scale.cpp): papo-server with many
// users on the open broker, and what grows with them: making them, `queues ls`, a light
// request's latency, papo-server's and the broker's memory, a restart, the message store.
// Every phase is bounded in count and time; a bound hit stops the step, which then says
// how far it got.
#include "scenarios.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace papo::bench {

// papo-server, as the scale step stops and starts it again (same options, same --state-dir).
struct server_handle {
    std::function<int()> stop;   // SIGTERM and wait: its exit code
    std::function<int()> start;  // exec again: its pid, at once
    // Until its "papo-server serving" line; false when it did not come within `timeout`.
    std::function<bool(std::chrono::milliseconds timeout)> wait_serving;
    std::string state_dir;  // messages.sqlite (+ -wal) is there
};

struct scale_sizes {
    int users = 100000;
    int first_checkpoint = 1000;  // request latency measured here too, for the growth table
    int admin_clients = 4;        // users.add requests in flight at once, one rpc connection each
    int waiting_messages = 20000;
    int per_queue = 5000;         // waiting per offline user: within papo-server's default 10,000
    int latency_requests = 200;
    // The broker's max_packet_size: the project's (mosquitto.conf), or a smaller one that
    // shows at a few thousand users what the answers that grow with the users meet.
    double packet_limit_bytes = 4194304;
    std::chrono::minutes bound{40};
};

struct scale_result {
    measurements values;
    std::vector<double> ms_per_user_by_tenth;  // users.add, each tenth of the users made
    std::vector<std::string> notes;            // bounds hit, failed requests: said in the output
};

// `t.server_pid` follows the restart.
scale_result scale_step(target& t, const server_handle& server, const scale_sizes& n);

// Makes the users `prefix`0 .. `prefix`(to-1) from `from` on, with `clients` requests in
// flight at once (one rpc connection each), until `deadline`. Returns how many it made
// and, in `done_at`, when each was answered (seconds since the start, in answer order).
// A refused or unanswered users.add stops it, with the reason in `failure`.
int make_users(const target& t, const std::string& prefix, int from, int to, int clients,
               std::chrono::steady_clock::time_point deadline, std::vector<double>& done_at, std::string& failure);

// `requests` sequential users.info of `name` by the manager: p50 and p99, ms; and
// when `ask_queues_ls`, queues.ls (median of 5, its answer's size and row count;
// queues_ls_failed 1 and `failure` when it was not answered) and users.ls's bytes per
// row. Keys are prefixed with `key`.
measurements request_costs(const target& t, const std::string& name, int requests, const std::string& key,
                           std::string& failure, bool ask_queues_ls);

}  // namespace papo::bench
