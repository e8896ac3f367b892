#pragma once
// papo::session: papo's one wrapper around a Paho MQTT v5 connection.
// Every trap listed in shared/PLATFORM-NOTES.md is handled here and nowhere else:
// consume-before-connect, named connect options for v5 properties, session expiry
// for persistent sessions, null messages on connection loss, timed consumes,
// TCP_NODELAY on the client socket, and the 2 s stall of a second connect.
//
// Threads. A session is used by ONE thread, its owner (the "consumer thread": the
// one calling next()); connect, disconnect, publish, publish_async, flush, subscribe,
// unsubscribe and next are not safe to call from two threads at once. Paho runs its
// own threads and calls back into a session from them; those callbacks only set
// atomics (disconnected_by_broker, taken_over) or set TCP_NODELAY on a socket, never
// wait on a token (PLATFORM-NOTES trap 5). connected(), taken_over() and
// session_present() read atomics or Paho's own locked state and are safe from any
// thread. connect_all() connects its sessions on std::async threads, one session per
// thread, and joins them all before it returns: the sessions then belong to the
// caller's thread. A session may be handed to another thread as a whole (moved
// ownership, as connect_all does), never shared.
//
// Global state that remains, and why:
// - impl::connected_sessions (mutex-guarded): the connected sessions of the process,
//   so a slow subscribe can nudge an idle sibling out of Paho C's 1 s poll.
// - core/src/paho_wake.cpp's eventfd: poll() and usleep() of the process are papo's,
//   so that a connect can end the wait of Paho's receive thread (paho_wake.h).
// - leave_to_exit (atomic): set once by one-shot programs; destroyed sessions then
//   leave Paho's client to the process exit.
// - papo's signal flag (client/papo/signals: a volatile sig_atomic_t): set by the
//   SIGINT/SIGTERM/SIGHUP handler, read by the loops of `read` and the chat, because
//   a signal handler can do nothing else safely.
// - readline's line buffer (client/papo/line_input.cpp): readline's callback
//   interface is C and hands lines to a plain function.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace papo {

struct will_message {
    std::string topic;
    std::string payload;
    bool retained = true;
};

struct session_options {
    std::string broker = "tcp://127.0.0.1:1883";
    // Other nodes of the same cluster: each (re)connect tries `broker`, then these in turn.
    std::vector<std::string> other_brokers;
    std::string client_id;
    // A persistent session (clean start off, never expires) is a user's offline queue.
    bool persistent = false;
    // Start from an empty session even if the broker holds one (wipes a queue).
    bool clean_start = true;
    std::optional<will_message> will;
    bool auto_reconnect = false;
    std::chrono::milliseconds timeout{5000};
    std::string username;
    std::string password;
    std::string ca_file;  // for ssl:// brokers
};

// One message taken from the connection.
struct inbound {
    std::string topic;
    std::string payload;
    bool retained = false;
    bool duplicate = false;  // QoS 1 redelivery flag from the broker
    int qos = 1;             // as delivered: at most the subscription's and the sender's
    std::string response_topic;
    std::string correlation_data;
    std::vector<std::pair<std::string, std::string>> user_properties;  // MQTT v5, in order
    bool connection_lost = false;  // no message: the connection dropped
};

struct publish_options {
    int qos = 1;
    bool retained = false;
    std::string response_topic;
    std::string correlation_data;
    std::uint32_t expiry_seconds = 0;  // 0: the message never expires
    std::vector<std::pair<std::string, std::string>> user_properties;  // MQTT v5 (key, value) pairs
};

class session {
public:
    explicit session(session_options options);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Throws papo::error naming the broker when it cannot be reached or refuses us.
    void connect();
    // True when Paho confirmed the disconnect. It closes the socket under the lock its
    // receive thread holds while it acknowledges and hands over a message, so by then
    // everything acknowledged is in next()'s queue; false when it did not answer in
    // --timeout (or there was no connection), and a message may still be on its way in.
    bool disconnect();
    bool connected() const;
    // Whether the broker still had a session for our client id at connect.
    bool session_present() const;
    // True once the broker has ended this connection because another connection took
    // over its client id (MQTT 5 reason 0x8E): the caller must not fight back.
    bool taken_over() const;

    // Publishes and waits for the broker's acknowledgement (QoS 1) or the send (QoS 0).
    void publish(const std::string& topic, const std::string& payload, const publish_options& options = {});
    // Publishes without waiting; call flush() to wait for everything outstanding.
    void publish_async(const std::string& topic, const std::string& payload, const publish_options& options = {});
    void flush();

    // no_local: do not receive what this client itself publishes (topic posts).
    void subscribe(const std::vector<std::string>& filters, int qos = 1, bool no_local = false);
    void unsubscribe(const std::vector<std::string>& filters);

    // Next message within `timeout`; nullopt when none came. A dropped connection
    // yields an inbound with connection_lost set.
    std::optional<inbound> next(std::chrono::milliseconds timeout);

    const session_options& options() const;

private:
    struct impl;
    static std::unique_ptr<impl> make_impl(session_options options);
    std::unique_ptr<impl> impl_;
};

using session_ptr = std::unique_ptr<session>;

// For one-shot programs that exit right after their work: a destroyed session then
// disconnects but leaves Paho's client to the process exit, skipping the ~200 ms that
// Paho's teardown spends waiting out its threads' poll timeouts.
void leave_clients_to_process_exit();

// Opens `count` sessions concurrently (Paho connects serially at about 2 s each
// when another client of the process is idle); the result keeps the input order.
std::vector<session_ptr> connect_all(std::vector<session_options> options);

// Whether anything accepts a TCP connection at the broker URI's host and port: "the
// broker is away" (false) versus "it is there but refused us" (TLS, protocol; true).
bool broker_port_answers(const std::string& uri, std::chrono::milliseconds timeout);

}  // namespace papo
