#pragma once
// Request/response with papo-server over MQTT v5, in the manner of mosquitto_ctrl:
// a request {"command": ..., args...} goes to server/v1/request/<from> with a
// response topic and correlation data; the answer {"command", "ok", "error"|"data"}
// comes back on that response topic with the same correlation data.
#include "papo/error.h"
#include "papo/requests.h"
#include "papo/session.h"

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace papo {

inline constexpr std::chrono::milliseconds default_request_timeout{5000};

nlohmann::json make_request(const std::string& command, nlohmann::json args = nlohmann::json::object());
nlohmann::json make_success(const std::string& command, nlohmann::json data = nlohmann::json::object());
// An error answer: the error's text for people and its kind's stable `code`.
nlohmann::json make_failure(const std::string& command, const error& why);

// A connection of its own that asks papo-server and waits for its answers.
class rpc_client {
public:
    // `from` is the asking user's name, or "papo-admin" for the manager's tool.
    rpc_client(session_options options, std::string from);
    // Returns the response's "data"; throws papo::error with the server's reason and
    // the kind of its `code` on failure, or of kind no_answer when papo-server does not
    // answer in time or server/v1/status says it is not running (then at once).
    nlohmann::json call(const std::string& command, nlohmann::json args = nlohmann::json::object(),
                        std::chrono::milliseconds timeout = default_request_timeout);
    // A typed request (requests.h) and its typed answer.
    template <typename Request>
    typename Request::answer ask(const Request& request, std::chrono::milliseconds timeout = default_request_timeout) {
        const nlohmann::json data = call(Request::command, nlohmann::json(request), timeout);
        try {
            return data.get<typename Request::answer>();
        } catch (const std::exception& e) {
            throw error(std::string("papo-server sent an unreadable answer to ") + Request::command + ": " + e.what());
        }
    }
    // The connection itself, for one-shot commands that also publish (send, post).
    session& connection() { return session_; }

private:
    // Takes server/v1/status (true when `message` is it).
    bool note_status(const inbound& message);

    std::string from_;
    bool server_stopped_ = false;  // the last server/v1/status said "offline"
    std::string response_topic_;
    session session_;
};

}  // namespace papo
