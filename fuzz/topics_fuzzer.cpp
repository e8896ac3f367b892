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
        case kind::inbox: return t::inbox(r.first, r.second);
        case kind::post: return t::post(r.first, r.second);
        case kind::receipt: return t::receipt(r.first, r.second);
        case kind::presence: return t::presence(r.first);
        case kind::request: return t::request(r.first);
        case kind::registry_user: return t::registry_user(r.first);
        case kind::registry_topic: return t::registry_topic(r.first);
        case kind::registry_queue: return t::registry_queue(r.first);
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
    const bool two_names = parsed->type == kind::inbox || parsed->type == kind::post || parsed->type == kind::receipt;
    PAPO_FUZZ_CHECK(two_names ? valid(parsed->second) : parsed->second.empty());
    // papo's own tools ask as "papo-<name>"; every other name must be a valid one.
    const std::string_view first = parsed->first;
    const bool service = parsed->type == kind::request && first.substr(0, 5) == "papo-" && valid(first.substr(5));
    PAPO_FUZZ_CHECK(service || valid(first));
    // Wildcards cannot reach a parsed name: a filter is never mistaken for a topic.
    PAPO_FUZZ_CHECK(topic.find_first_of("+#") == std::string_view::npos);
    return 0;
}
