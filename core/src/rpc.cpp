#include "papo/rpc.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/topics.h"

namespace papo {

nlohmann::json make_request(const std::string& command, nlohmann::json args) {
    args["command"] = command;
    return args;
}
nlohmann::json make_success(const std::string& command, nlohmann::json data) {
    return {{"command", command}, {"ok", true}, {"data", std::move(data)}};
}
nlohmann::json make_failure(const std::string& command, const error& why) {
    return {{"command", command}, {"ok", false}, {"code", code_of(why.kind())}, {"error", why.what()}};
}

namespace {
session_options ephemeral(session_options options, const std::string& from) {
    options.client_id = from + "~rpc-" + random_hex(12);
    options.persistent = false;
    options.clean_start = true;
    options.will.reset();
    options.auto_reconnect = false;
    return options;
}
}  // namespace

rpc_client::rpc_client(session_options options, std::string from)
    : from_(std::move(from)),
      response_topic_(topics::response(from_, random_hex(16))),
      session_(ephemeral(std::move(options), from_)) {
    session_.connect();
    // The retained status comes right behind the SUBACK: a stopped papo-server is known
    // before the first request waits for it.
    session_.subscribe({response_topic_}, 1);
    try {
        session_.subscribe({topics::server_status}, 1);
    } catch (const error& e) {
        // A broker whose accounts predate the right (papo-server adds it when it starts):
        // answers are then waited for up to the timeout, as before.
        if (e.reason_code() < 0x80) throw;
    }
}

bool rpc_client::note_status(const inbound& message) {
    if (message.topic != topics::server_status) return false;
    if (message.payload.empty()) {  // removed at a broker start: unknown until papo-server says
        server_stopped_ = false;
        return true;
    }
    try {
        server_stopped_ = !decode<server_status>(message.payload).online;
    } catch (const error&) {
        server_stopped_ = false;  // unreadable: wait for the answer as if nothing was said
    }
    return true;
}

nlohmann::json rpc_client::call(const std::string& command, nlohmann::json args, std::chrono::milliseconds timeout) {
    const auto stopped = [&] {
        return error(error_kind::no_answer, "papo-server is not running: its status on the broker says it stopped, so '" +
                                                command + "' was not sent");
    };
    // What came since the last call (status changes, late answers) first.
    while (auto message = session_.next(std::chrono::milliseconds(0))) {
        if (message->connection_lost) throw error(error_kind::connection_lost, "lost the connection to the broker");
        note_status(*message);
    }
    if (server_stopped_) throw stopped();
    const std::string correlation = random_hex(16);
    publish_options options;
    options.response_topic = response_topic_;
    options.correlation_data = correlation;
    // A request that waited for a stopped server must not be acted on long after we gave up.
    options.expiry_seconds = static_cast<std::uint32_t>(std::max<long>(1, timeout.count() / 1000));
    session_.publish(topics::request(from_), encode(make_request(command, std::move(args))), options);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto message = session_.next(left);
        if (!message) break;
        if (message->connection_lost) throw error(error_kind::connection_lost, "lost the connection to the broker while waiting for papo-server");
        if (note_status(*message)) {
            if (server_stopped_) throw stopped();
            continue;
        }
        if (message->correlation_data != correlation) continue;  // an answer to an earlier, timed-out call
        nlohmann::json response;
        try {
            response = decode<nlohmann::json>(message->payload, max_snapshot_bytes);  // lists of thousands of queues
        } catch (const error& e) {
            throw error(std::string("papo-server sent an unreadable answer: ") + e.what());
        }
        if (response.value("ok", false)) return response.value("data", nlohmann::json::object());
        throw error(kind_of_code(response.value("code", std::string())),
                    response.value("error", std::string("papo-server refused the request")));
    }
    throw error(error_kind::no_answer, "papo-server did not answer '" + command + "' within " + std::to_string(timeout.count() / 1000) +
                " s: is papo-server running?");
}

}  // namespace papo
