// Name validation (names.h) on arbitrary bytes: the one gate every user, queue and
// topic name passes before it becomes a topic level, a client id or a broker account.
#include "fuzz_support.h"

#include "papo/error.h"
#include "papo/name_spoofing.h"
#include "papo/names.h"
#include "papo/topics.h"

#include <nlohmann/json.hpp>

#include <string>

namespace {

using papo::topics::route;

// nlohmann's serializer has its own UTF-8 decoder; two decoders that disagree mean
// one of them lets a bad byte sequence onto the wire.
bool nlohmann_accepts_utf8(std::string_view text) {
    try {
        (void)nlohmann::json(std::string(text)).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

void expect_route(const std::string& topic, route::kind type, std::string_view user, std::string_view topic_name,
                  std::string_view from) {
    const auto parsed = papo::topics::parse(topic);
    PAPO_FUZZ_CHECK(parsed.has_value());
    PAPO_FUZZ_CHECK(parsed->type == type);
    PAPO_FUZZ_CHECK(parsed->user == user);
    PAPO_FUZZ_CHECK(parsed->topic == topic_name);
    PAPO_FUZZ_CHECK(parsed->from == from);
}

// A valid name must survive every place of the topic tree, beside another valid name.
void check_round_trips(std::string_view name) {
    namespace t = papo::topics;
    const std::string_view other = "bob";
    expect_route(t::inbox(name, other), route::kind::inbox, name, "", other);
    expect_route(t::inbox(other, name), route::kind::inbox, other, "", name);
    expect_route(t::post(name, other), route::kind::post, "", name, other);
    expect_route(t::post(other, name), route::kind::post, "", other, name);
    expect_route(t::receipt(name, name), route::kind::receipt, name, "", name);
    expect_route(t::presence(name), route::kind::presence, name, "", name);
    expect_route(t::request(name), route::kind::request, "", "", name);
    expect_route(t::registry_user(name), route::kind::registry_user, name, "", "");
    expect_route(t::registry_topic(name), route::kind::registry_topic, "", name, "");
    expect_route(t::registry_queue(name), route::kind::registry_queue, name, "", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view name = papo::fuzz::text_of(data, size);

    const bool utf8 = papo::is_valid_utf8(name);
    PAPO_FUZZ_CHECK(utf8 == nlohmann_accepts_utf8(name));

    const auto problem = papo::name_problem(name);
    const std::string key = papo::name_key(name);
    PAPO_FUZZ_CHECK(key.size() == name.size());
    PAPO_FUZZ_CHECK(papo::name_key(key) == key);
    // Uniqueness ignores ASCII case, so validity must too ("Papo-x" is as reserved as "papo-x").
    PAPO_FUZZ_CHECK(problem.has_value() == papo::name_problem(key).has_value());

    try {
        papo::require_valid_name(name, "user");
        PAPO_FUZZ_CHECK(!problem);
    } catch (const papo::error& e) {
        PAPO_FUZZ_CHECK(problem.has_value());
        // The reason goes into JSON responses, which cannot carry broken UTF-8.
        PAPO_FUZZ_CHECK(papo::is_valid_utf8(e.what()));
    }
    // The rules for new names (name_spoofing.h) only ever add refusals, and their
    // reasons and keys are clean UTF-8.
    const auto new_problem = papo::new_name_problem(name);
    if (problem) PAPO_FUZZ_CHECK(new_problem.has_value());
    if (new_problem) PAPO_FUZZ_CHECK(papo::is_valid_utf8(*new_problem));
    if (utf8) PAPO_FUZZ_CHECK(papo::is_valid_utf8(papo::confusable_key(name)));
    if (problem) return 0;

    PAPO_FUZZ_CHECK(utf8 && !name.empty() && name.size() <= papo::max_name_bytes);
    // UTF-8 continuation bytes are never ASCII, so a byte check is exact here.
    for (const char ch : name) {
        const auto byte = static_cast<unsigned char>(ch);
        PAPO_FUZZ_CHECK(byte >= 0x20 && byte != 0x7F);
        PAPO_FUZZ_CHECK(ch != '/' && ch != '+' && ch != '#' && ch != '$' && ch != '~' && ch != ' ');
    }
    check_round_trips(name);
    return 0;
}
