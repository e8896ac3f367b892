#pragma once
// papo::error: the one exception type programs catch at their edges. It carries a
// kind that callers switch on (nothing decides by an error's text) and, where one
// applies, the MQTT reason code. Kinds that papo-server sends have a stable wire
// code (`code` in an error answer, topics-schema/response.schema.json).
#include <stdexcept>
#include <string>
#include <string_view>

namespace papo {

enum class error_kind {
    other,  // no more precise kind; the text says what happened
    // Refusals papo-server answers with (wire code in brackets).
    bad_request,      // [bad-request] a malformed request or a field of the wrong shape
    unknown_command,  // [unknown-command]
    forbidden,        // [forbidden] for the manager only, or not the asker's own
    not_registered,   // [not-registered] the asker is no registered user
    no_such_user,     // [no-such-user]
    no_such_topic,    // [no-such-topic]
    no_such_queue,    // [no-such-queue]
    invalid_name,     // [invalid-name] breaks the name rules (topics-schema/topics.md), or papo-...
    name_taken,       // [name-taken] a user, queue or topic of that name exists (case ignored)
    bad_password,     // [bad-password] too short, too long or not UTF-8
    queue_online,     // [queue-online] purge refused while the queue is being read
    too_many,         // [too-many] more items in one request than allowed
    broker_refused,   // [broker-refused] the broker did not carry out the change; nothing changed
    not_saved,        // [not-saved] made, but papo-server could not save it in its state folder
    // Met on this side of the connection; never on the wire.
    unreachable,    // the broker cannot be reached (nothing accepts the connection)
    login_refused,  // the broker refused the login (wrong password, removed account)
    handshake_failed,  // the broker's port answers but the connection failed (TLS, protocol)
    no_answer,      // papo-server did not answer in time
    connection_lost,  // the connection dropped while waiting
    taken_over,     // another connection took over our client id
    timed_out,      // the broker did not acknowledge in time
    storage,        // a state file could not be written (a full disk)
    usage,          // a bad command line
};

// The wire code of a kind papo-server answers with ("no-such-user"), else "error".
const char* code_of(error_kind kind);
// The kind of a wire code; other for a code this papo does not know.
error_kind kind_of_code(std::string_view code);

class error : public std::runtime_error {
public:
    explicit error(const std::string& message, int reason_code = 0)
        : std::runtime_error(message), reason_code_(reason_code) {}
    error(error_kind kind, const std::string& message, int reason_code = 0)
        : std::runtime_error(message), kind_(kind), reason_code_(reason_code) {}
    error_kind kind() const noexcept { return kind_; }
    // MQTT reason code or Paho return code where one applies, else 0.
    int reason_code() const noexcept { return reason_code_; }

private:
    error_kind kind_ = error_kind::other;
    int reason_code_;
};

}  // namespace papo
