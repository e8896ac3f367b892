#include "papo/topics.h"

#include "papo/names.h"

#include <vector>

namespace papo::topics {
namespace {

std::string join(std::initializer_list<std::string_view> levels) {
    std::string topic;
    for (std::string_view level : levels) {
        if (!topic.empty()) topic += '/';
        topic.append(level);
    }
    return topic;
}

std::vector<std::string_view> split(std::string_view topic) {
    std::vector<std::string_view> levels;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = topic.find('/', start);
        levels.push_back(topic.substr(start, slash - start));
        if (slash == std::string_view::npos) return levels;
        start = slash + 1;
    }
}

bool valid(std::string_view name) { return !name_problem(name).has_value(); }

}  // namespace

std::string inbox(std::string_view to, std::string_view from) { return join({"users", to, "inbox", from}); }
std::string inbox_filter(std::string_view to) { return join({"users", to, "inbox", "+"}); }
std::string post(std::string_view topic, std::string_view from) { return join({"topics", topic, from}); }
std::string post_filter(std::string_view topic) { return join({"topics", topic, "+"}); }
std::string receipt(std::string_view sender, std::string_view reader) {
    return join({"users", sender, "receipts", reader});
}
std::string receipt_filter(std::string_view sender) { return join({"users", sender, "receipts", "+"}); }
std::string presence(std::string_view name) { return join({"presence", name}); }
std::string registry_user(std::string_view name) { return join({"registry", "users", name}); }
std::string registry_topic(std::string_view topic) { return join({"registry", "topics", topic}); }
std::string registry_queue(std::string_view queue) { return join({"registry", "queues", queue}); }
std::string request(std::string_view from) { return join({"server", "v1", "request", from}); }
std::string response(std::string_view from, std::string_view nonce) {
    return join({"server", "v1", "response", from, nonce});
}
std::string sync_marker(std::string_view nonce) { return join({"server", "v1", "sync", nonce}); }
std::string response_filter(std::string_view from) { return join({"server", "v1", "response", from, "#"}); }
bool is_response_topic_of(std::string_view response_topic, std::string_view from) {
    const std::string prefix = join({"server", "v1", "response", from, ""});
    if (from.empty() || response_topic.size() <= prefix.size() || response_topic.compare(0, prefix.size(), prefix) != 0)
        return false;
    const auto rest = response_topic.substr(prefix.size());
    for (const auto level : split(rest))
        if (level.empty()) return false;
    return rest.find_first_of("+#") == std::string_view::npos && rest.find('\0') == std::string_view::npos;
}

std::optional<route> parse(std::string_view topic) {
    const auto levels = split(topic);
    using k = route::kind;
    // Every name level must be a valid name: an empty level is none (MQTT's + matches it,
    // so "users/bob/inbox/" must not pass as a DM).
    auto names_valid = [](std::initializer_list<std::string_view> names) {
        for (auto name : names)
            if (!valid(name)) return false;
        return true;
    };
    auto make = [](k type, std::string_view user, std::string_view topic_name, std::string_view from) {
        return std::optional<route>(route{type, std::string(user), std::string(topic_name), std::string(from)});
    };
    if (levels.size() == 4 && levels[0] == "users" && (levels[2] == "inbox" || levels[2] == "receipts")) {
        if (!names_valid({levels[1], levels[3]})) return std::nullopt;
        return make(levels[2] == "inbox" ? k::inbox : k::receipt, levels[1], {}, levels[3]);
    }
    if (levels.size() == 3 && levels[0] == "topics") {
        if (!names_valid({levels[1], levels[2]})) return std::nullopt;
        return make(k::post, {}, levels[1], levels[2]);
    }
    if (levels.size() == 2 && levels[0] == "presence") {
        if (!names_valid({levels[1]})) return std::nullopt;
        return make(k::presence, levels[1], {}, levels[1]);
    }
    if (levels.size() == 4 && levels[0] == "server" && levels[1] == "v1" && levels[2] == "request") {
        // papo's own tools (papo-admin) ask under a reserved "papo-" name.
        const std::string_view from = levels[3];
        const bool service = from.rfind("papo-", 0) == 0 && valid(from.substr(5));
        if (!service && !names_valid({from})) return std::nullopt;
        return make(k::request, {}, {}, from);
    }
    if (topic == broker_epoch) return make(k::epoch, {}, {}, {});
    if (levels.size() == 3 && levels[0] == "registry" && names_valid({levels[2]})) {
        if (levels[1] == "users") return make(k::registry_user, levels[2], {}, {});
        if (levels[1] == "topics") return make(k::registry_topic, {}, levels[2], {});
        if (levels[1] == "queues") return make(k::registry_queue, levels[2], {}, {});
    }
    return std::nullopt;
}

}  // namespace papo::topics
