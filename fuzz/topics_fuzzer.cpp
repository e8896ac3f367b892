// The topic parser (topics.h) on arbitrary topics. papo-server and the clients
// trust its answer to say who sent a message, so whatever it accepts must be
// exactly the topic the builders make from the names it returns.
#include "fuzz_support.h"

#include "papo/names.h"
#include "papo/topics.h"

#include <string>

namespace {

using kind = papo::topics::route::kind;

std::string rebuild(const papo::topics::route& r) {
    namespace t = papo::topics;
    switch (r.type) {
        case kind::inbox: return t::inbox(r.user, r.from);
        case kind::post: return t::post(r.topic, r.from);
        case kind::receipt: return t::receipt(r.user, r.from);
        case kind::presence: return t::presence(r.user);
        case kind::request: return t::request(r.from);
        case kind::registry_user: return t::registry_user(r.user);
        case kind::registry_topic: return t::registry_topic(r.topic);
        case kind::registry_queue: return t::registry_queue(r.user);
        case kind::epoch: return t::broker_epoch;
    }
    PAPO_FUZZ_CHECK(!"a route kind rebuild() does not know");
    return {};
}

bool valid(std::string_view name) { return !papo::name_problem(name); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view topic = papo::fuzz::text_of(data, size);
    const auto parsed = papo::topics::parse(topic);
    if (!parsed) return 0;

    PAPO_FUZZ_CHECK(rebuild(*parsed) == topic);
    // Each field holds a valid name where its kind has one, and is empty elsewhere.
    const auto named = [](const std::string& field, bool has) { return has ? valid(field) : field.empty(); };
    const auto type = parsed->type;
    PAPO_FUZZ_CHECK(named(parsed->topic, type == kind::post || type == kind::registry_topic));
    PAPO_FUZZ_CHECK(named(parsed->user, type == kind::inbox || type == kind::receipt || type == kind::presence ||
                                            type == kind::registry_user || type == kind::registry_queue));
    // papo's own tools ask as "papo-<name>"; every other sender must be a valid name.
    const std::string_view from = parsed->from;
    const bool service = type == kind::request && from.substr(0, 5) == "papo-" && valid(from.substr(5));
    const bool has_from = type == kind::inbox || type == kind::post || type == kind::receipt || type == kind::presence ||
                          type == kind::request;
    PAPO_FUZZ_CHECK(service || named(parsed->from, has_from));
    // Wildcards cannot reach a parsed name: a filter is never mistaken for a topic.
    PAPO_FUZZ_CHECK(topic.find_first_of("+#") == std::string_view::npos);
    return 0;
}
