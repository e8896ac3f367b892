#include "papo/session.h"

#include "papo/error.h"
#include "paho_wake.h"
#include "tcp_nodelay.h"

#include <mqtt/async_client.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

namespace papo {
namespace {

// MQTT's "never expires" is 0xFFFFFFFF, but Paho C 1.3.12 puts 0x000000FF on the wire
// for it (and for other values with the top bits set): the session would die 255 s
// after a disconnect. 0x7FFFFFFF (68 years) is encoded faithfully.
constexpr int session_expiry_seconds = 0x7FFFFFFF;
// The longest Paho C 1.3.12 was seen to sit on a connect it has not noticed yet
// (PLATFORM-NOTES: about 2.1 s).
constexpr std::chrono::milliseconds paho_loop_stall{2200};

// Paho reports a refused CONNECT's reason in one or the other field.
int connect_reason(const mqtt::exception& e) { return e.get_reason_code() ? e.get_reason_code() : e.get_return_code(); }

bool refused_login(const mqtt::exception& e) {
    const int reason = connect_reason(e);
    return reason == 4 || reason == 5 || reason == 134 || reason == 135;
}

std::string describe(const mqtt::exception& e) {
    const int reason = connect_reason(e);
    switch (reason) {
        case 4:  // MQTT 3.1.1's "bad user name or password"
        case 134:
        case 5:  // MQTT 3.1.1's "not authorized"
        case 135:
            return "the broker refused the login (wrong user name or password, no such account, or a client id "
                   "that is not yours)";
        case 133: return "client id not valid";
        case 128: return "unspecified error";
        default: break;
    }
    if (e.get_return_code() == MQTTASYNC_FAILURE || e.get_return_code() == -1)
        return "connection refused, broker not running, or a TLS mismatch (ssl:// needs the broker's CA in "
               "--ca-file and a certificate naming this host; a TLS port needs ssl://)";
    return e.get_error_str().empty() ? e.what() : e.get_error_str();
}

// A publish or subscription the broker answered with a reason code of 0x80 or more.
// With papo's mosquitto.conf, 0x87 (not authorized) is also every limit of
// papo_guard: the broker cannot send a more precise code from a plugin.
std::string refusal(int reason) {
    std::string why = "the broker refused it (reason code " + std::to_string(reason);
    if (reason == 135) why += ": not allowed, or over a limit: the recipient's queue is full, or too fast";
    if (reason == 151) why += ": quota exceeded";
    return why + ")";
}

// What went wrong with a publish, subscribe or unsubscribe (not a CONNECT).
std::string describe_operation(const mqtt::exception& e) {
    if (e.get_reason_code() >= 0x80) return refusal(e.get_reason_code());
    return describe(e);
}

}  // namespace

struct session::impl {
    session_options options;
    mqtt::async_client client;
    bool session_present = false;
    bool consuming = false;  // Paho's consumer queue is open (between connect and a failed connect)
    bool failed_connect = false;  // the last connect failed: the next one uses a new client

    // Paho refuses (-1) to change its callbacks while a failed connect is still
    // winding down in its thread, and then keeps its queue open: so does this.
    void stop_consuming() noexcept {
        try {
            if (consuming) client.stop_consuming();
            consuming = false;
        } catch (const mqtt::exception&) {
        }
    }
    std::deque<mqtt::delivery_token_ptr> outstanding;
    std::mutex outstanding_guard;
    // Paho's consumer queue learns of a dropped socket but not of a DISCONNECT the
    // broker sends (a kick: account deleted, session taken over); next() reports it.
    std::atomic<bool> disconnected_by_broker{false};
    std::atomic<bool> taken_over{false};

    explicit impl(session_options o)
        : options(std::move(o)), client(options.broker, options.client_id, mqtt::create_options(MQTTVERSION_5)) {}

    // The connected sessions of the process: a slow operation (await) asks a connected
    // sibling for an UNSUBACK, traffic that ends the receive loop's poll at once.
    static std::mutex& registry_guard() {
        static std::mutex guard;
        return guard;
    }
    static std::set<impl*>& connected_sessions() {
        static std::set<impl*> sessions;
        return sessions;
    }
    void nudge_a_sibling() {
        std::lock_guard<std::mutex> lock(registry_guard());
        for (impl* other : connected_sessions()) {
            if (other == this || !other->client.is_connected()) continue;
            try {
                other->client.unsubscribe("papo/nudge");
            } catch (const mqtt::exception&) {
            }
            return;
        }
    }
    // Paho C 1.3.12's send thread checks its queue and then waits on a condition
    // without a predicate: a command queued in between waits out the wait, 1 s; and
    // its receive loop polls a saved set of sockets for up to 1 s. A subscribe with
    // --timeout 1 once "timed out" in CI. A new command wakes the send thread and an
    // answer wakes the poll, so a slow operation asks its own connection and a
    // sibling for an UNSUBACK.
    template <typename Token>
    bool await(const Token& token, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        auto slice = std::chrono::milliseconds(100);
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left <= std::chrono::milliseconds(0)) return token->try_wait();
            if (token->wait_for(std::min(left, slice))) return true;
            nudge_self();
            slice = std::chrono::milliseconds(200);
        }
    }
    void nudge_self() {
        detail::wake_paho_receiver();
        if (client.is_connected()) {
            try {
                client.unsubscribe("papo/nudge");
            } catch (const mqtt::exception&) {
            }
        }
        nudge_a_sibling();
    }
    bool has_a_sibling() {
        std::lock_guard<std::mutex> lock(registry_guard());
        for (impl* other : connected_sessions())
            if (other != this && other->client.is_connected()) return true;
        return false;
    }
    void track(bool connected) {
        std::lock_guard<std::mutex> lock(registry_guard());
        if (connected) connected_sessions().insert(this);
        else connected_sessions().erase(this);
    }
};

std::unique_ptr<session::impl> session::make_impl(session_options options) {
    auto made = std::make_unique<session::impl>(std::move(options));
    const int port = detail::port_of_uri(made->options.broker.c_str());
    // Re-applied after every automatic reconnect, whose new socket starts with Nagle on.
    made->client.set_connected_handler([port](const std::string&) { detail::set_nodelay_on_sockets_to(port); });
    return made;
}

session::session(session_options options) : impl_(make_impl(std::move(options))) {}

namespace {
std::atomic<bool> leave_to_exit{false};
}
void leave_clients_to_process_exit() { leave_to_exit = true; }

session::~session() {
    try {
        disconnect();
    } catch (...) {
    }
    impl_->stop_consuming();
    if (leave_to_exit) (void)impl_.release();  // deliberately not destroyed: the process is ending
}

void session::connect() {
    // A Paho client whose connect failed does not always connect again: after a
    // refused or timed-out try it can stay "connecting" and time out for good (seen
    // when the broker came back during a chat's outage). A fresh client each time.
    if (impl_->failed_connect) {
        auto fresh = make_impl(impl_->options);
        impl_->track(false);
        std::swap(impl_, fresh);
    }
    auto& o = impl_->options;
    mqtt::connect_options connect_options;  // named, not from a builder: builders drop v5 properties
    connect_options.set_mqtt_version(MQTTVERSION_5);
    connect_options.set_clean_start(o.clean_start);
    connect_options.set_keep_alive_interval(std::chrono::seconds(30));
    // Paho's own limit stays beyond ours (below), which may add paho_loop_stall.
    connect_options.set_connect_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.timeout) + std::chrono::seconds(4));
    connect_options.set_automatic_reconnect(o.auto_reconnect);
    if (o.auto_reconnect) connect_options.set_automatic_reconnect(std::chrono::milliseconds(250), std::chrono::seconds(8));
    if (o.persistent) {
        // Without an expiry interval a v5 session, and its queued messages, die at disconnect.
        connect_options.set_properties(mqtt::properties{{mqtt::property::SESSION_EXPIRY_INTERVAL, session_expiry_seconds}});
    }
    if (o.will) {
        connect_options.set_will_message(mqtt::message(o.will->topic, o.will->payload, 1, o.will->retained));
    }
    if (!o.other_brokers.empty()) {
        auto servers = mqtt::string_collection::create(o.broker);
        for (const auto& other : o.other_brokers) servers->push_back(other);
        connect_options.set_servers(servers);
    }
    if (!o.username.empty()) connect_options.set_user_name(o.username);
    if (!o.password.empty()) connect_options.set_password(o.password);
    if (o.broker.rfind("ssl://", 0) == 0 || o.broker.rfind("mqtts://", 0) == 0) {
        mqtt::ssl_options ssl;
        if (!o.ca_file.empty()) ssl.set_trust_store(o.ca_file);
        ssl.set_verify(true);  // the certificate must name this host, not just be signed by the CA
        connect_options.set_ssl(ssl);
    }
    // Before connect: consuming started afterwards acknowledges and drops the
    // messages a resumed session delivers at once.
    // Paho refuses to set its callbacks (-1) while a failed connect of this client is
    // still winding down in its thread: wait for that a little, else try again later.
    for (int attempt = 0;; ++attempt) {
        try {
            impl_->client.start_consuming();
            break;
        } catch (const mqtt::exception&) {
            if (attempt >= 50) {
                impl_->failed_connect = true;
                throw error(error_kind::unreachable,
                            "cannot connect to the broker at " + o.broker + ": the previous attempt has not ended yet");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    impl_->consuming = true;
    try {
        impl_->client.set_disconnected_handler(
            [state = impl_.get()](const mqtt::properties&, mqtt::ReasonCode reason) {
                constexpr int session_taken_over = 0x8E;
                if (static_cast<int>(reason) == session_taken_over) state->taken_over = true;
                state->disconnected_by_broker = true;
            });
        auto token = impl_->client.connect(connect_options);
        const auto start = std::chrono::steady_clock::now();
        // Paho's receive loop sends CONNECT only when its poll returns, and that poll
        // (up to 1 s) waits for a socket to become readable, which a connecting one never
        // is: without a wake a connect waited out the poll, 10 ms for a process's first.
        // A wait of just --timeout once lost that race for good when retries kept the
        // loop's phase, so a connect with no connected sibling may add paho_loop_stall.
        const auto deadline = start + o.timeout + (impl_->has_a_sibling() ? std::chrono::milliseconds(0) : paho_loop_stall);
        // Wake at once and then every 200 us: each wake lets the loop take one more step
        // of the connect (see the new socket, send CONNECT once it is writable).
        // Polled, because Paho's wait_for has whole-millisecond granularity.
        auto next_wake = start;
        while (!token->try_wait()) {
            const auto now = std::chrono::steady_clock::now();
            if (now > deadline) {
                impl_->stop_consuming();
                impl_->failed_connect = true;
                throw error(error_kind::unreachable,
                            "cannot connect to the broker at " + o.broker + ": timed out after " +
                                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count()) + " ms");
            }
            if (now >= next_wake) {
                detail::wake_paho_receiver();
                next_wake = now + std::chrono::microseconds(200);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        token->wait();  // rethrows a refused connect
        impl_->session_present = token->get_connect_response().is_session_present();
    } catch (const mqtt::exception& e) {
        impl_->stop_consuming();
        impl_->failed_connect = true;
        // "Away" only when nothing accepts the connection: a refused TLS handshake also
        // fails the connect, but the port answers.
        const error_kind kind = refused_login(e)                                                  ? error_kind::login_refused
                                : broker_port_answers(o.broker, std::chrono::milliseconds(500)) ? error_kind::handshake_failed
                                                                                                  : error_kind::unreachable;
        throw error(kind, "cannot connect to the broker at " + o.broker + ": " + describe(e), e.get_reason_code());
    }
    detail::set_nodelay_on_sockets_to(detail::port_of_uri(o.broker.c_str()));
    impl_->track(true);
}

bool session::disconnect() {
    impl_->track(false);
    bool confirmed = false;
    if (impl_->client.is_connected()) {
        try {
            flush();
        } catch (const error&) {
        }
        try {
            confirmed = impl_->client.disconnect()->wait_for(impl_->options.timeout);
        } catch (const mqtt::exception&) {
        }
    }
    // Consuming goes on: messages that arrived before the disconnect stay readable
    // with next(), so a reader can show or keep them instead of losing them.
    return confirmed;
}

bool session::connected() const { return impl_->client.is_connected(); }
bool session::session_present() const { return impl_->session_present; }
bool session::taken_over() const { return impl_->taken_over; }
const session_options& session::options() const { return impl_->options; }

namespace {
mqtt::message_ptr make_message(const std::string& topic, const std::string& payload, const publish_options& options) {
    auto message = mqtt::make_message(topic, payload, options.qos, options.retained);
    if (!options.response_topic.empty() || !options.correlation_data.empty() || options.expiry_seconds ||
        !options.user_properties.empty()) {
        mqtt::properties properties;
        if (!options.response_topic.empty())
            properties.add({mqtt::property::RESPONSE_TOPIC, options.response_topic});
        if (!options.correlation_data.empty())
            properties.add({mqtt::property::CORRELATION_DATA, mqtt::binary(options.correlation_data)});
        if (options.expiry_seconds)
            properties.add({mqtt::property::MESSAGE_EXPIRY_INTERVAL, static_cast<int>(options.expiry_seconds)});
        for (const auto& [key, value] : options.user_properties)
            properties.add({mqtt::property::USER_PROPERTY, key, value});
        message->set_properties(properties);
    }
    return message;
}
}  // namespace

void session::publish(const std::string& topic, const std::string& payload, const publish_options& options) {
    try {
        auto token = impl_->client.publish(make_message(topic, payload, options));
        if (!impl_->await(token, impl_->options.timeout))
            throw error(error_kind::timed_out, "the broker did not acknowledge a publish to " + topic + " in time");
        const int reason = token->get_reason_code();
        if (reason >= 0x80) throw error("cannot publish to " + topic + ": " + refusal(reason), reason);
    } catch (const mqtt::exception& e) {
        // Not connected (the broker went away, or never came): the caller may keep it for later.
        throw error(impl_->client.is_connected() ? error_kind::other : error_kind::connection_lost,
                    "cannot publish to " + topic + ": " + describe_operation(e), e.get_reason_code());
    }
}

void session::publish_async(const std::string& topic, const std::string& payload, const publish_options& options) {
    try {
        // A sliding window: Paho refuses publishes beyond the broker's Receive Maximum
        // ("No more messages can be buffered"), so wait for the oldest beyond it.
        constexpr std::size_t window = 64;
        std::unique_lock<std::mutex> lock(impl_->outstanding_guard);
        while (impl_->outstanding.size() >= window) {
            auto oldest = impl_->outstanding.front();
            impl_->outstanding.pop_front();
            lock.unlock();
            if (!impl_->await(oldest, impl_->options.timeout))
                throw error(error_kind::timed_out, "the broker did not acknowledge a publish in time");
            lock.lock();
        }
        lock.unlock();
        auto token = impl_->client.publish(make_message(topic, payload, options));
        lock.lock();
        impl_->outstanding.push_back(std::move(token));
    } catch (const mqtt::exception& e) {
        // Not connected (the broker went away, or never came): the caller may keep it for later.
        throw error(impl_->client.is_connected() ? error_kind::other : error_kind::connection_lost,
                    "cannot publish to " + topic + ": " + describe_operation(e), e.get_reason_code());
    }
}

void session::flush() {
    std::deque<mqtt::delivery_token_ptr> tokens;
    {
        std::lock_guard<std::mutex> lock(impl_->outstanding_guard);
        tokens.swap(impl_->outstanding);
    }
    for (auto& token : tokens) {
        try {
            if (!impl_->await(token, impl_->options.timeout))
                throw error(error_kind::timed_out, "the broker did not acknowledge a publish in time");
        } catch (const mqtt::exception& e) {
            throw error(impl_->client.is_connected() ? error_kind::other : error_kind::connection_lost,
                        "a publish failed: " + describe_operation(e), e.get_reason_code());
        }
    }
}

void session::subscribe(const std::vector<std::string>& filters, int qos, bool no_local) {
    // One SUBSCRIBE per filter: Paho C++ 1.2.0 crashes in subscribeMany when given
    // per-filter options. The requests are pipelined, then all waited for.
    try {
        std::vector<mqtt::token_ptr> tokens;
        for (const auto& filter : filters)
            tokens.push_back(impl_->client.subscribe(filter, qos, mqtt::subscribe_options(no_local)));
        for (auto& token : tokens) {
            if (!impl_->await(token, impl_->options.timeout))
                throw error(error_kind::timed_out, "the broker did not answer a subscribe in time");
            const int reason = token->get_reason_code();
            if (reason >= 0x80)
                throw error("cannot subscribe to " + filters[&token - &tokens[0]] + ": " + refusal(reason), reason);
        }
    } catch (const mqtt::exception& e) {
        throw error("cannot subscribe: " + describe_operation(e), e.get_reason_code());
    }
}

void session::unsubscribe(const std::vector<std::string>& filters) {
    if (filters.empty()) return;
    try {
        auto token = impl_->client.unsubscribe(mqtt::string_collection::create(filters));
        if (!impl_->await(token, impl_->options.timeout))
            throw error(error_kind::timed_out, "the broker did not answer an unsubscribe in time");
    } catch (const mqtt::exception& e) {
        constexpr int no_subscription_existed = 0x11;  // already unsubscribed: the goal is reached
        if (e.get_reason_code() == no_subscription_existed) return;
        throw error("cannot unsubscribe: " + describe_operation(e), e.get_reason_code());
    }
}

std::optional<inbound> session::next(std::chrono::milliseconds timeout) {
    mqtt::const_message_ptr message;
    // After a failed connect Paho's queue is closed and consuming from it throws
    // (EPERM): nothing can arrive until the next connect, so there is nothing to take.
    if (!impl_->consuming) {
        std::this_thread::sleep_for(timeout);
        return std::nullopt;
    }
    // What arrived before a kick comes first; then the kick is reported.
    try {
        if (!impl_->client.try_consume_message(&message)) {
            if (impl_->disconnected_by_broker.exchange(false)) {
                inbound kicked;
                kicked.connection_lost = true;
                return kicked;
            }
            // In slices, so that a kick during a long wait (dynsec closes a user's
            // connections when its password changes) is told at once, not at the timeout.
            const auto deadline = std::chrono::steady_clock::now() + timeout;
            for (;;) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
                if (impl_->client.try_consume_message_for(&message, std::min(left, std::chrono::milliseconds(50)))) break;
                if (impl_->disconnected_by_broker.exchange(false)) {
                    inbound kicked;
                    kicked.connection_lost = true;
                    return kicked;
                }
                if (left <= std::chrono::milliseconds(50)) return std::nullopt;
            }
        }
    } catch (const std::exception&) {
        // A queue Paho closed while a failed connect wound down (EPERM): as above.
        impl_->consuming = false;
        return std::nullopt;
    }
    inbound result;
    if (!message) {  // Paho queues a null message when the connection drops
        result.connection_lost = true;
        return result;
    }
    result.topic = message->get_topic();
    result.payload = message->get_payload_str();
    result.retained = message->is_retained();
    result.duplicate = message->is_duplicate();
    result.qos = message->get_qos();
    const auto& properties = message->get_properties();
    if (properties.contains(mqtt::property::RESPONSE_TOPIC))
        result.response_topic = mqtt::get<std::string>(properties, mqtt::property::RESPONSE_TOPIC);
    if (properties.contains(mqtt::property::CORRELATION_DATA))
        result.correlation_data = mqtt::get<mqtt::binary>(properties, mqtt::property::CORRELATION_DATA);
    for (std::size_t i = 0; i < properties.count(mqtt::property::USER_PROPERTY); ++i) {
        const auto pair = mqtt::get<mqtt::string_pair>(properties, mqtt::property::USER_PROPERTY, i);
        result.user_properties.emplace_back(std::get<0>(pair), std::get<1>(pair));
    }
    return result;
}

std::vector<session_ptr> connect_all(std::vector<session_options> options) {
    std::vector<session_ptr> sessions;
    for (auto& o : options) sessions.push_back(std::make_unique<session>(std::move(o)));
    std::vector<std::future<void>> pending;
    for (auto& s : sessions) pending.push_back(std::async(std::launch::async, [&s] { s->connect(); }));
    for (auto& p : pending) p.get();
    return sessions;
}

}  // namespace papo
