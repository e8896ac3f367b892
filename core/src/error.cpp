#include "papo/error.h"

#include <utility>

namespace papo {
namespace {

// One table, so a code and its kind cannot drift apart.
constexpr std::pair<error_kind, const char*> wire_codes[] = {
    {error_kind::bad_request, "bad-request"},       {error_kind::unknown_command, "unknown-command"},
    {error_kind::forbidden, "forbidden"},           {error_kind::not_registered, "not-registered"},
    {error_kind::no_such_user, "no-such-user"},     {error_kind::no_such_topic, "no-such-topic"},
    {error_kind::no_such_queue, "no-such-queue"},   {error_kind::invalid_name, "invalid-name"},
    {error_kind::name_taken, "name-taken"},
    {error_kind::bad_password, "bad-password"},     {error_kind::queue_online, "queue-online"},
    {error_kind::too_many, "too-many"},             {error_kind::broker_refused, "broker-refused"},
    {error_kind::not_saved, "not-saved"},
};

}  // namespace

const char* code_of(error_kind kind) {
    for (const auto& [k, code] : wire_codes)
        if (k == kind) return code;
    return "error";
}

error_kind kind_of_code(std::string_view code) {
    for (const auto& [k, c] : wire_codes)
        if (code == c) return k;
    return error_kind::other;
}

}  // namespace papo
