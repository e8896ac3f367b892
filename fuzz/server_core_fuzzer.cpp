// papo-server's decisions (server_core.h) fed the way server/server_runner.cpp feeds
// them: a sequence of MQTT messages, each routed by topics::parse, its payload
// decoded and handed to the core; an accepted plan is committed, as when the broker
// carried out its actions. Retained registry/ messages at the start are the
// registry loaded at start-up. Anyone may publish a request, so whatever arrives,
// handle() must answer with a response papo-server can publish and actions it can
// carry out.
//
// Input: lines of "<topic>\t<payload>".
#include "fuzz_support.h"

#include "papo/error.h"
#include "papo/messages.h"
#include "papo/names.h"
#include "papo/server/server_core.h"
#include "papo/topics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace {

using kind = papo::topics::route::kind;

// A retained message papo-server writes must read back as what its topic says it is.
void check_retained(const papo::server_action& action) {
    const auto route = papo::topics::parse(action.topic);
    PAPO_FUZZ_CHECK(route.has_value());
    if (route->type == kind::registry_queue) {
        // Every snapshot, and its deletion, tells the broker plugin whether the queue is full.
        PAPO_FUZZ_CHECK(action.user_properties.size() == 1 && action.user_properties[0].first == papo::queue_full_property);
        const auto& full = action.user_properties[0].second;
        PAPO_FUZZ_CHECK(full == (!action.payload.empty() &&
                                         papo::decode<papo::queue_snapshot>(action.payload, papo::max_snapshot_bytes).full
                                     ? "1"
                                     : "0"));
    }
    if (action.payload.empty()) return;  // deletes the retained message
    switch (route->type) {
        case kind::registry_user:
            PAPO_FUZZ_CHECK(papo::decode<papo::user_record>(action.payload).name == route->user);
            break;
        case kind::registry_topic:
            PAPO_FUZZ_CHECK(papo::decode<papo::topic_record>(action.payload).name == route->topic);
            break;
        case kind::registry_queue:
            PAPO_FUZZ_CHECK(
                papo::decode<papo::queue_snapshot>(action.payload, papo::max_snapshot_bytes).name == route->user);
            break;
        default: PAPO_FUZZ_CHECK(!"papo-server publishes a retained payload outside registry/");
    }
}

void check_actions(const std::vector<papo::server_action>& actions) {
    using action_kind = papo::server_action::kind;
    for (const auto& action : actions) {
        switch (action.type) {
            case action_kind::publish_retained: check_retained(action); break;
            case action_kind::open_queue:
                PAPO_FUZZ_CHECK(!papo::name_problem(action.name));
                PAPO_FUZZ_CHECK(!action.subscriptions.inbox.empty());
                PAPO_FUZZ_CHECK(action.subscriptions.inbox[0] == papo::topics::inbox_filter(action.name));
                break;
            case action_kind::wipe_queue:
            case action_kind::delete_account: PAPO_FUZZ_CHECK(!action.name.empty()); break;
            case action_kind::repair_queue: PAPO_FUZZ_CHECK(!papo::name_problem(action.name)); break;
            case action_kind::create_account:
            case action_kind::set_password:
                PAPO_FUZZ_CHECK(!papo::name_problem(action.name));
                PAPO_FUZZ_CHECK(action.password.size() >= 8);
                break;
            case action_kind::grant_topic:
            case action_kind::revoke_topic: PAPO_FUZZ_CHECK(!action.topic.empty()); break;
        }
    }
}

void check_outcome(const papo::server_plan& outcome) {
    const auto& response = outcome.response;
    PAPO_FUZZ_CHECK(response.is_object());
    PAPO_FUZZ_CHECK(response.contains("command") && response["command"].is_string());
    PAPO_FUZZ_CHECK(response.contains("ok") && response["ok"].is_boolean());
    if (response["ok"].get<bool>()) {
        PAPO_FUZZ_CHECK(response.contains("data"));
    } else {
        PAPO_FUZZ_CHECK(response.contains("error") && response["error"].is_string());
        PAPO_FUZZ_CHECK(response.contains("code") && response["code"].is_string());
        PAPO_FUZZ_CHECK(outcome.actions.empty());  // a refusal changes nothing on the broker
        PAPO_FUZZ_CHECK(outcome.change.empty());
    }
    (void)papo::encode(response);  // papo-server publishes it; a papo::error here is a bug
    check_actions(outcome.actions);
}

bool valid(const std::string& name) { return !papo::name_problem(name); }

// Only papo-server can write registry/ (dynsec grants it no one else), and it writes
// only names it has validated; an entry with another name is outside the model.
bool written_by_papo_server(const papo::user_record& user) {
    return valid(user.name) && std::all_of(user.topics.begin(), user.topics.end(), valid);
}
bool written_by_papo_server(const papo::topic_record& topic) { return valid(topic.name); }
bool written_by_papo_server(const papo::queue_snapshot& queue) { return valid(queue.name); }

template <typename T>
void keep(std::vector<T>& records, T record) {
    if (written_by_papo_server(record)) records.push_back(std::move(record));
}

struct registry_load {
    std::vector<papo::user_record> users;
    std::vector<papo::topic_record> topics;
    std::vector<papo::queue_snapshot> queues;

    void apply(papo::server_core& core) const {  // in server_runner's order
        for (const auto& topic : topics) core.load_topic(topic);
        for (const auto& user : users) core.load_user(user);
        for (const auto& queue : queues) core.load_queue(queue);
    }
};

// Returns the outcome of a request; traffic only changes the core's counts.
std::optional<papo::server_plan> dispatch(papo::server_core& core, const papo::topics::route& route,
                                             std::string_view payload) {
    using papo::decode;
    switch (route.type) {
        case kind::request: {
            auto plan = core.handle(route.from, decode<nlohmann::json>(payload));
            core.commit(plan);
            return plan;
        }
        case kind::inbox:
            core.on_direct_message(route.user, route.from, decode<papo::chat_message>(payload).id, payload.size());
            break;
        case kind::post: {
            const auto post = decode<papo::chat_message>(payload);
            core.on_post(route.topic, route.from, post.id, post.seq, post.series, payload.size());
            break;
        }
        case kind::receipt: core.on_receipt(route.from, route.user, decode<papo::receipt>(payload).ids); break;
        case kind::presence:
            core.on_presence(route.user, !payload.empty() && decode<papo::presence>(payload).online);
            break;
        default: break;  // registry/ after start-up: papo-server's own echoes
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    papo::server_core core(papo::queue_limits{3, 4096});  // small limits, so that queues fill and drain
    registry_load load;
    bool loading = true;
    for (const std::string_view line : papo::fuzz::split_fields(papo::fuzz::text_of(data, size), '\n')) {
        const std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos) continue;
        const auto route = papo::topics::parse(line.substr(0, tab));
        if (!route) continue;
        const std::string_view payload = line.substr(tab + 1);
        const bool registry = route->type == kind::registry_user || route->type == kind::registry_topic ||
                              route->type == kind::registry_queue;
        std::optional<papo::server_plan> outcome;
        try {
            if (loading && registry) {
                if (route->type == kind::registry_user) keep(load.users, papo::decode<papo::user_record>(payload));
                if (route->type == kind::registry_topic) keep(load.topics, papo::decode<papo::topic_record>(payload));
                if (route->type == kind::registry_queue)
                    keep(load.queues, papo::decode<papo::queue_snapshot>(payload, papo::max_snapshot_bytes));
                continue;
            }
            if (loading) load.apply(core), loading = false;
            outcome = dispatch(core, *route, payload);
        } catch (const papo::error&) {
            continue;  // papo-server logs and counts it, and goes on
        }
        // Outside the try: a papo::error from an invariant's decode is a finding, not noise.
        if (outcome) check_outcome(*outcome);
        check_actions(core.take_full_changes());
        check_actions(core.take_snapshots());
    }
    return 0;
}
