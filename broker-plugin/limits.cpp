#include "limits.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace papo::guard {
namespace {

std::optional<double> number(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
}

// The first two levels of a topic and how many levels it has.
struct shape {
    std::string_view first, second, third, fourth;
    std::size_t levels = 0;
};

shape shape_of(std::string_view topic) {
    shape s;
    std::string_view* at[] = {&s.first, &s.second, &s.third, &s.fourth};
    std::size_t start = 0;
    for (;;) {
        const auto slash = topic.find('/', start);
        const auto level = topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (s.levels < 4) *at[s.levels] = level;
        ++s.levels;
        if (slash == std::string_view::npos) return s;
        start = slash + 1;
    }
}

}  // namespace

std::string set_option(limits& l, std::string_view key, std::string_view value) {
    const auto n = number(value);
    if (!n) return "not a number >= 0: '" + std::string(value) + "'";
    // A count or a size: converting a double beyond the field's range is undefined.
    const auto whole = [&](auto& field) {
        using type = std::remove_reference_t<decltype(field)>;
        if (*n > static_cast<double>(std::numeric_limits<type>::max()) / 2) return "too large: '" + std::string(value) + "'";
        field = static_cast<type>(*n);
        return std::string();
    };
    if (key == "max_payload_bytes") return whole(l.max_payload_bytes);
    if (key == "max_presence_bytes") return whole(l.max_presence_bytes);
    if (key == "publish_rate") return l.publish_rate = *n, "";
    if (key == "publish_burst") return l.publish_burst = *n, "";
    if (key == "request_rate") return l.request_rate = *n, "";
    if (key == "request_burst") return l.request_burst = *n, "";
    if (key == "max_connections_per_account") return whole(l.max_connections);
    if (key == "max_subscriptions_per_account") return whole(l.max_subscriptions);
    if (key == "connect_timeout") {
        long seconds = 0;
        const auto problem = whole(seconds);
        if (problem.empty()) l.connect_timeout = std::chrono::seconds(seconds);
        return problem;
    }
    if (key == "login_failures_per_account") return l.login_failures_per_account = *n, "";
    if (key == "login_failure_refill_per_account") return l.login_failure_refill_per_account = *n, "";
    if (key == "login_failures_per_address") return l.login_failures_per_address = *n, "";
    if (key == "login_failure_refill_per_address") return l.login_failure_refill_per_address = *n, "";
    return "unknown option";
}

void token_bucket::refill(double rate, double burst, time_point now) {
    if (tokens_ < 0) {
        tokens_ = burst;
    } else {
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        if (elapsed > 0) tokens_ = std::min(burst, tokens_ + elapsed * rate);
    }
    last_ = now;
}

bool token_bucket::take(double rate, double burst, time_point now, double tokens) {
    if (rate <= 0 || burst <= 0) return true;
    refill(rate, burst, now);
    if (tokens_ < tokens) return false;
    tokens_ -= tokens;
    return true;
}

bool token_bucket::has(double rate, double burst, time_point now) {
    if (rate <= 0 || burst <= 0) return true;
    refill(rate, burst, now);
    return tokens_ >= 1;
}

bool token_bucket::full(double rate, double burst, time_point now) {
    if (rate <= 0 || burst <= 0 || tokens_ < 0) return true;
    refill(rate, burst, now);
    return tokens_ >= burst;
}

const char* describe(refusal r) {
    switch (r) {
        case refusal::none: return "allowed";
        case refusal::too_large: return "payload larger than its topic's limit";
        case refusal::retained: return "retained publish outside presence/<own name>";
        case refusal::queue_full: return "the recipient's queue is full";
        case refusal::publish_rate: return "over the account's publish rate";
        case refusal::request_rate: return "over the account's request rate";
    }
    return "refused";
}

refusal guard_state::check_publish(const std::string& user, std::string_view topic, std::uint32_t payload_bytes,
                                   bool retain, time_point now) {
    const shape s = shape_of(topic);
    const bool presence = s.levels == 2 && s.first == "presence" && s.second == user;
    const std::uint32_t size_limit = presence ? limits_.max_presence_bytes : limits_.max_payload_bytes;
    if (size_limit && payload_bytes > size_limit) return refusal::too_large;
    if (retain && !presence) return refusal::retained;
    if (s.levels == 4 && s.first == "users" && s.third == "inbox" && queue_full(std::string(s.second)))
        return refusal::queue_full;
    if (unlimited_.count(user)) return refusal::none;
    auto& a = accounts_[user];
    const bool request = s.levels == 4 && s.first == "server" && s.second == "v1" && s.third == "request";
    if (request) return a.requests.take(limits_.request_rate, limits_.request_burst, now) ? refusal::none : refusal::request_rate;
    return a.publishes.take(limits_.publish_rate, limits_.publish_burst, now) ? refusal::none : refusal::publish_rate;
}

void guard_state::set_queue_full(const std::string& queue, bool full) {
    if (full)
        full_queues_.insert(queue);
    else
        full_queues_.erase(queue);
}

login guard_state::login_attempt(const void* client, const std::string& user, const std::string& address,
                                 time_point now) {
    disconnected(client, false, now);  // a pointer the broker reused
    auto& c = connections_[client];
    c = connection{user, address, false};
    const bool account_ok =
        accounts_[user].login_failures.has(limits_.login_failure_refill_per_account, limits_.login_failures_per_account, now);
    const bool address_ok =
        addresses_[address].has(limits_.login_failure_refill_per_address, limits_.login_failures_per_address, now);
    if (!account_ok || !address_ok) {
        c.refused = true;
        return login::throttled;
    }
    if (limits_.max_connections && connections_of(user) >= limits_.max_connections) {
        c.refused = true;
        return login::too_many_connections;
    }
    clients_of_[user].insert(client);
    return login::allow;
}

void guard_state::disconnected(const void* client, bool failed_login, time_point now) {
    const auto it = connections_.find(client);
    if (it == connections_.end()) return;
    // Only a password the broker checked and refused is a guess; refusals made
    // here (throttled, too many connections) are not, or a guesser would keep
    // the account locked by being refused.
    if (failed_login && !it->second.refused) {
        accounts_[it->second.user].login_failures.take(limits_.login_failure_refill_per_account,
                                                       limits_.login_failures_per_account, now);
        addresses_[it->second.address].take(limits_.login_failure_refill_per_address,
                                            limits_.login_failures_per_address, now);
    }
    const auto live = clients_of_.find(it->second.user);
    if (live != clients_of_.end()) {
        live->second.erase(client);
        if (live->second.empty()) clients_of_.erase(live);
    }
    connections_.erase(it);
}

std::size_t guard_state::connections_of(const std::string& user) const {
    const auto it = clients_of_.find(user);
    return it == clients_of_.end() ? 0 : it->second.size();
}

bool guard_state::may_subscribe(std::size_t subscriptions) const {
    return limits_.max_subscriptions == 0 || subscriptions < limits_.max_subscriptions;
}

void guard_state::prune(time_point now) {
    for (auto it = accounts_.begin(); it != accounts_.end();) {
        auto& a = it->second;
        const bool idle = !clients_of_.count(it->first) && a.publishes.full(limits_.publish_rate, limits_.publish_burst, now) &&
                          a.requests.full(limits_.request_rate, limits_.request_burst, now) &&
                          a.login_failures.full(limits_.login_failure_refill_per_account,
                                                limits_.login_failures_per_account, now);
        it = idle ? accounts_.erase(it) : std::next(it);
    }
    for (auto it = addresses_.begin(); it != addresses_.end();)
        it = it->second.full(limits_.login_failure_refill_per_address, limits_.login_failures_per_address, now)
                 ? addresses_.erase(it)
                 : std::next(it);
}

}  // namespace papo::guard
