// The broker plugin's identity rules (broker-plugin/access_rules.h) on arbitrary
// user names, topics, filters and client ids. papo-server and the clients take the
// sender of a message from its topic (topics::parse), so the guard must let a user
// write only where that sender level is the user's own name.
//
// Input: one byte for the action (r read, w write, s subscribe, u unsubscribe; other
// bytes pick by value), then NUL-separated fields: username, topic, client id,
// privileged user (papo-server when absent).
#include "fuzz_support.h"

#include "access_rules.h"
#include "limits.h"
#include "papo/topics.h"

#include <cstring>
#include <string>

namespace {

using papo::access::action;
using papo::access::verdict;
using kind = papo::topics::route::kind;

bool wildcard(std::string_view level) { return level == "+" || level == "#"; }

// The sender level of a topic a user writes, as papo's readers parse it.
void check_write_against_parser(std::string_view user, std::string_view topic, verdict v) {
    const auto route = papo::topics::parse(topic);
    if (!route) return;
    switch (route->type) {
        case kind::inbox:
        case kind::post:
        case kind::receipt: PAPO_FUZZ_CHECK((v == verdict::defer) == (route->from == user)); break;
        case kind::presence:
        case kind::request: PAPO_FUZZ_CHECK((v == verdict::defer) == (route->from == user)); break;
        default: break;  // registry/: dynsec alone grants it, to papo-server
    }
}

// Reading: another user's private levels, or a filter that could cover them, is denied.
void check_read_filter(std::string_view user, std::string_view filter, verdict v) {
    const auto levels = papo::fuzz::split_fields(filter, '/');
    const auto at = [&](std::size_t i) { return i < levels.size() ? levels[i] : std::string_view(); };
    if (at(0) == "#") PAPO_FUZZ_CHECK(v == verdict::deny);
    // Not for an account named "+" or "#": papo never creates one (name_problem
    // refuses it), and the guard would take that wildcard for the user's own name.
    if (levels.size() >= 2 && at(0) == "users" && !wildcard(user))
        PAPO_FUZZ_CHECK((v == verdict::defer) == (at(1) == user));
    // "+/<me>/#" also covers other trees (for a user named "v1": +/v1/response/#); the
    // guard defers it to dynsec, which grants no filter starting with "+". So only:
    if (levels.size() >= 2 && at(0) == "+" && !wildcard(user) && v == verdict::defer) PAPO_FUZZ_CHECK(at(1) == user);
    if (levels.size() >= 4 && at(0) == "server" && at(1) == "v1" && at(2) == "response" && !wildcard(user))
        PAPO_FUZZ_CHECK((v == verdict::defer) == (at(3) == user));
    if (at(0) == "server" && (wildcard(at(1)) || wildcard(at(2)))) PAPO_FUZZ_CHECK(v == verdict::deny);
}

void check_client_id(std::string_view user, std::string_view client_id, std::string_view privileged) {
    const verdict v = papo::access::check_client_id(user, client_id, privileged);
    if (user.empty() || user.find_first_of("+#/") != std::string_view::npos) {  // never a papo name
        PAPO_FUZZ_CHECK(v == verdict::deny);
        return;
    }
    if (user == privileged) {
        PAPO_FUZZ_CHECK(v == verdict::defer);
        return;
    }
    const std::string own(user);
    PAPO_FUZZ_CHECK(papo::access::check_client_id(user, own, privileged) == verdict::defer);
    PAPO_FUZZ_CHECK(papo::access::check_client_id(user, own + "~cli", privileged) == verdict::defer);
    const bool helper = client_id.size() > user.size() + 1 && client_id.substr(0, user.size()) == user &&
                        client_id[user.size()] == '~';
    PAPO_FUZZ_CHECK((v == verdict::defer) == (client_id == user || helper));
}

// The limits' reading of the same topic: a retained publish is allowed exactly on
// presence/<user>, and a larger payload only there is refused by the presence limit.
void check_limits(std::string_view user, std::string_view topic, std::uint32_t payload) {
    papo::guard::guard_state g;
    const std::string me(user);
    const auto now = papo::guard::time_point{};
    const bool own_presence = topic == "presence/" + me;
    const auto retained = g.check_publish(me, topic, 0, true, now);
    PAPO_FUZZ_CHECK((retained == papo::guard::refusal::retained) == !own_presence);
    const auto sized = g.check_publish(me, topic, payload, false, now);
    const std::uint32_t limit = own_presence ? g.config().max_presence_bytes : g.config().max_payload_bytes;
    PAPO_FUZZ_CHECK((sized == papo::guard::refusal::too_large) == (payload > limit));
    papo::guard::limits l;
    (void)papo::guard::set_option(l, topic, user);  // any key and value: an answer, never a crash
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char actions[] = "rwsu";
    const char* picked = std::memchr(actions, data[0], 4) ? std::strchr(actions, data[0]) : actions + data[0] % 4;
    const action what = static_cast<action>(picked - actions);  // the enum's order

    const auto fields = papo::fuzz::split_fields(papo::fuzz::text_of(data + 1, size - 1));
    const auto field = [&](std::size_t i, std::string_view absent) { return i < fields.size() ? fields[i] : absent; };
    const std::string_view user = field(0, {}), topic = field(1, {}), client_id = field(2, {});
    const std::string_view privileged = field(3, "papo-server");

    check_client_id(user, client_id, privileged);
    const verdict v = papo::access::check_topic(user, what, topic, privileged);
    if (user.empty() || user.find_first_of("+#/") != std::string_view::npos) {  // never a papo name
        PAPO_FUZZ_CHECK(v == verdict::deny);
        return 0;
    }
    if (user == privileged) {
        PAPO_FUZZ_CHECK(v == verdict::defer);
        return 0;
    }
    switch (what) {
        case action::write:
            check_write_against_parser(user, topic, v);
            check_limits(user, topic, static_cast<std::uint32_t>(size) * 997u);
            break;
        case action::read:
            check_read_filter(user, topic, v);
            if (const auto route = papo::topics::parse(topic); route && route->type == kind::post && route->from == user)
                PAPO_FUZZ_CHECK(v == verdict::deny);  // an own post is never delivered back
            break;
        case action::subscribe: check_read_filter(user, topic, v); break;
        case action::unsubscribe: PAPO_FUZZ_CHECK(v == verdict::defer); break;
    }
    return 0;
}
