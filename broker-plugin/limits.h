#pragma once
// papo's resource limits, enforced inside the broker by the papo_guard plugin.
// Each limit protects the broker, papo-server and the other users from what one
// account sends: payload sizes per kind of topic, retained writes, publish and
// request rates, connections and subscriptions per account, waiting messages per
// queue (papo-server counts them and marks a queue full), failed logins per
// account and per address. Pure logic with the time passed in, so it is unit
// tested without a broker; papo_guard.cpp is the glue. A value of 0 turns a limit
// off. The defaults are SECURITY.md's table.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace papo::guard {

using time_point = std::chrono::steady_clock::time_point;

struct limits {
    std::uint32_t max_payload_bytes = 65536;  // DMs, posts, receipts, requests
    std::uint32_t max_presence_bytes = 1024;  // presence/<me>, the only retained topic of a user
    double publish_rate = 200;                // publishes per second per account (sustained)
    double publish_burst = 2000;              // ... and at once
    double request_rate = 20;                 // requests to papo-server per second per account
    double request_burst = 100;
    std::size_t max_connections = 32;      // live connections per account
    std::size_t max_subscriptions = 1000;  // subscriptions of an account's live connections
    std::chrono::seconds connect_timeout{10};  // a socket must send CONNECT within this
    double login_failures_per_account = 10;    // failed logins at once per account ...
    double login_failure_refill_per_account = 1.0 / 6;  // ... then one every 6 s
    double login_failures_per_address = 100;
    double login_failure_refill_per_address = 10;
};

// Sets one `plugin_opt_<key> <value>`; returns an error text, empty when accepted.
std::string set_option(limits& l, std::string_view key, std::string_view value);

// A token bucket: `burst` at once, refilled at `rate` per second. rate 0 = unlimited.
class token_bucket {
public:
    bool take(double rate, double burst, time_point now, double tokens = 1);
    bool has(double rate, double burst, time_point now);
    bool full(double rate, double burst, time_point now);

private:
    void refill(double rate, double burst, time_point now);
    double tokens_ = -1;  // -1: not started (full)
    time_point last_{};
};

enum class refusal {
    none,
    too_large,         // payload over its kind's limit
    retained,          // retained publish outside presence/<me>
    queue_full,        // DM to a queue papo-server marked full
    publish_rate,      // over the account's publish rate
    request_rate,      // over the account's request rate
};
const char* describe(refusal r);

enum class login { allow, throttled, too_many_connections };

class guard_state {
public:
    explicit guard_state(limits l = {}) : limits_(l) {}
    const limits& config() const { return limits_; }

    // Users whose rates are not limited (the manager's papo-admin): sizes and
    // retained rules still apply.
    void exempt_from_rates(std::string user) { unlimited_.insert(std::move(user)); }

    // A publish by `user` (not the privileged papo-server, which the glue skips).
    refusal check_publish(const std::string& user, std::string_view topic, std::uint32_t payload_bytes, bool retain,
                          time_point now);

    // papo-server's retained snapshot on registry/queues/<queue> says whether the
    // queue is full; an empty payload (queue removed) clears it.
    void set_queue_full(const std::string& queue, bool full);
    bool queue_full(const std::string& queue) const { return full_queues_.count(queue) > 0; }

    // A CONNECT with a user name, before its password is checked. `client` is any
    // key unique among live connections (the broker's client pointer).
    login login_attempt(const void* client, const std::string& user, const std::string& address, time_point now);
    // The connection ended; `failed_login` when it was refused at CONNECT (the
    // password was wrong, or the account does not exist).
    void disconnected(const void* client, bool failed_login, time_point now);
    std::size_t connections_of(const std::string& user) const;
    // The live connections of `user` (to count their subscriptions).
    template <typename F>
    void for_each_connection(const std::string& user, F&& f) const {
        const auto it = clients_of_.find(user);
        if (it != clients_of_.end())
            for (const void* client : it->second) f(client);
    }
    // A SUBSCRIBE when the account's live connections hold `subscriptions` already.
    bool may_subscribe(std::size_t subscriptions) const;
    // Forgets accounts and addresses with nothing live and full buckets, so names
    // invented by a guesser cannot grow memory. Call it now and then.
    void prune(time_point now);

private:
    struct connection {
        std::string user, address;
        bool refused = false;
    };
    struct account {
        token_bucket publishes, requests, login_failures;
    };
    limits limits_;
    std::set<std::string> unlimited_;
    std::set<std::string> full_queues_;
    std::unordered_map<std::string, account> accounts_;
    std::unordered_map<std::string, token_bucket> addresses_;
    std::unordered_map<const void*, connection> connections_;
    std::unordered_map<std::string, std::unordered_set<const void*>> clients_of_;  // live, not refused
};

}  // namespace papo::guard
