#pragma once
// One connection supervisor: after a connection drops, reconnects with backoff (0.25 s,
// doubling to 8 s), stops for good on a refused login (the account was removed or its
// password changed: retrying cannot help), notices when another connection took our
// client id over (reconnecting would take it back, forever), and reports each change of
// state through a callback. Used by `papo read --wait` and papo's chat; free of client
// types so that papo-server can use it too.
//
// Two ways to drive it: recover() blocks until the outcome (a one-shot loop), step()
// tries at most once when a retry is due and returns at once (a loop that also reads a
// terminal). Neither reads messages; the caller owns the session and its thread.
#include "papo/session.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace papo {

struct connection_state {
    enum class kind {
        online,        // connected (again)
        offline,       // the connection dropped
        reconnecting,  // the next try is in `retry_in`
    };
    kind what = kind::online;
    std::chrono::milliseconds retry_in{0};
    std::string reason;  // offline / reconnecting: why the last try failed
};

enum class recovery {
    reconnected,
    login_refused,  // the broker refused the login: stopped; refusal() says why
    taken_over,     // another connection holds our client id: do not fight back
    stopped,        // the stop callback said so
};

struct supervisor_options {
    std::chrono::milliseconds first_backoff{250};
    std::chrono::milliseconds max_backoff{8000};
    // Polled while waiting (about every 50 ms): true ends recover() with `stopped`.
    std::function<bool()> stop;
    std::function<void(const connection_state&)> on_state;
    // Whether another connection logged in with our client id since we did, beyond what
    // the session itself saw (Mosquitto 2.0.11 just closes the socket of the one taken
    // over): asked once per outage, before the first try (a probe costs a connection and
    // up to a second; asked at every try it would delay the reconnect past what the
    // broker lost meanwhile). Empty: only session::taken_over() counts.
    std::function<bool()> another_login;
};

class supervisor {
public:
    using clock = std::chrono::steady_clock;
    // What it reconnects: normally session::connect and session::taken_over (below).
    supervisor(std::function<void()> connect, std::function<bool()> taken_over, supervisor_options options);
    supervisor(session& connection, supervisor_options options);

    // The connection dropped: reports offline; the first try is due at once.
    void lost(clock::time_point now);
    bool recovering() const { return recovering_; }
    // One try when it is due; nullopt while still recovering (or not recovering at all).
    std::optional<recovery> step(clock::time_point now);
    // lost() and then step() until an outcome, sleeping in between.
    recovery recover();
    // The refused login's message, after recovery::login_refused.
    const std::string& refusal() const { return refusal_; }

private:
    void report(connection_state::kind what, std::chrono::milliseconds retry_in = {}, std::string reason = {}) const;

    std::function<void()> connect_;
    std::function<bool()> taken_over_;
    supervisor_options options_;
    bool recovering_ = false;
    bool first_try_ = false;
    clock::time_point next_try_{};
    std::chrono::milliseconds backoff_{0};
    std::string refusal_;
};

// The presence probe: whether the retained presence of `user` says "online" since a
// moment later than `our_since` (RFC 3339 UTC), read over a short connection of its own
// made from `probe_options` (a clean, unique client id). Then another login of this
// user announced itself after us and holds the queue. An older "online", restored by a
// broker that crashed, is not another login. False when the broker cannot be asked.
bool another_login_since(session_options probe_options, const std::string& user, const std::string& our_since);

}  // namespace papo
