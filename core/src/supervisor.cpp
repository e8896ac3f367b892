#include "papo/supervisor.h"

#include "papo/error.h"
#include "papo/messages.h"
#include "papo/topics.h"

#include <algorithm>
#include <thread>

namespace papo {

supervisor::supervisor(std::function<void()> connect, std::function<bool()> taken_over, supervisor_options options)
    : connect_(std::move(connect)), taken_over_(std::move(taken_over)), options_(std::move(options)) {}

supervisor::supervisor(session& connection, supervisor_options options)
    : supervisor([&connection] { connection.connect(); }, [&connection] { return connection.taken_over(); }, std::move(options)) {}

void supervisor::report(connection_state::kind what, std::chrono::milliseconds retry_in, std::string reason) const {
    if (options_.on_state) options_.on_state({what, retry_in, std::move(reason)});
}

void supervisor::lost(clock::time_point now) {
    if (recovering_) return;
    recovering_ = true;
    first_try_ = true;
    next_try_ = now;
    backoff_ = options_.first_backoff;
    report(connection_state::kind::offline);
}

std::optional<recovery> supervisor::step(clock::time_point now) {
    if (!recovering_ || now < next_try_) return std::nullopt;
    const bool ask_the_probe = first_try_ && options_.another_login;
    first_try_ = false;
    if ((taken_over_ && taken_over_()) || (ask_the_probe && options_.another_login())) {
        recovering_ = false;
        return recovery::taken_over;
    }
    try {
        connect_();
        recovering_ = false;
        report(connection_state::kind::online);
        return recovery::reconnected;
    } catch (const error& e) {
        if (e.kind() == error_kind::login_refused) {  // retrying cannot help
            recovering_ = false;
            refusal_ = e.what();
            return recovery::login_refused;
        }
        next_try_ = now + backoff_;
        report(connection_state::kind::reconnecting, backoff_, e.what());
        backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    }
    return std::nullopt;
}

recovery supervisor::recover() {
    lost(clock::now());
    for (;;) {
        if (options_.stop && options_.stop()) {
            recovering_ = false;
            return recovery::stopped;
        }
        if (const auto outcome = step(clock::now())) return *outcome;
        std::this_thread::sleep_for(std::min<clock::duration>(std::chrono::milliseconds(50),
                                                              std::max<clock::duration>(next_try_ - clock::now(), clock::duration::zero())));
    }
}

bool another_login_since(session_options probe_options, const std::string& user, const std::string& our_since) {
    try {
        probe_options.persistent = false;
        probe_options.clean_start = true;
        probe_options.auto_reconnect = false;
        probe_options.will.reset();
        probe_options.timeout = std::min<std::chrono::milliseconds>(probe_options.timeout, std::chrono::seconds(2));
        session probe(probe_options);
        probe.connect();
        probe.subscribe({topics::presence(user)}, 1);
        const auto retained = probe.next(std::chrono::milliseconds(1000));
        probe.disconnect();
        if (!retained || retained->connection_lost || retained->payload.empty()) return false;
        const auto status = decode<presence>(retained->payload);
        return status.online && status.since > our_since;  // RFC 3339 UTC sorts as text
    } catch (const error&) {
        return false;  // no broker: reconnecting will tell
    }
}

}  // namespace papo
