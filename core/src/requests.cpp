#include "papo/requests.h"

#include "papo/error.h"

namespace papo {
namespace {

using json = nlohmann::json;

// A required field of the given JSON type, with an error that names it.
const json& field(const json& j, const char* name, json::value_t type, const char* what) {
    if (!j.is_object()) throw error(error_kind::bad_request, "a request or answer must be a JSON object");
    const auto it = j.find(name);
    const bool number = type == json::value_t::number_unsigned;
    if (it == j.end() || (number ? !it->is_number_unsigned() : it->type() != type))
        throw error(error_kind::bad_request, std::string("the request needs a \"") + name + "\" " + what);  // or the answer
    return *it;
}
std::string text(const json& j, const char* name) { return field(j, name, json::value_t::string, "string").get<std::string>(); }
bool flag(const json& j, const char* name) { return field(j, name, json::value_t::boolean, "boolean").get<bool>(); }
std::size_t count(const json& j, const char* name) {
    return field(j, name, json::value_t::number_unsigned, "number").get<std::size_t>();
}
std::vector<std::string> names(const json& j, const char* name) {
    std::vector<std::string> out;
    for (const auto& item : field(j, name, json::value_t::array, "array")) {
        if (!item.is_string()) throw error(error_kind::bad_request, std::string("\"") + name + "\" must hold strings");
        out.push_back(item.get<std::string>());
    }
    return out;
}
const char* kind_text(bool is_queue) { return is_queue ? "queue" : "user"; }
bool is_queue_kind(const json& j) {
    const std::string kind = text(j, "kind");
    if (kind != "user" && kind != "queue") throw error(error_kind::bad_request, "\"kind\" is \"user\" or \"queue\"");
    return kind == "queue";
}

}  // namespace

namespace answers {

void to_json(json& j, const added& a) { j = {{"name", a.name}, {"kind", kind_text(a.is_queue)}, {"created_at", a.created_at}}; }
void from_json(const json& j, added& a) { a = {text(j, "name"), is_queue_kind(j), text(j, "created_at")}; }
void to_json(json& j, const named& a) { j = {{"name", a.name}}; }
void from_json(const json& j, named& a) { a.name = text(j, "name"); }
void to_json(json& j, const user_row& a) {
    j = {{"name", a.name}, {"online", a.online}, {"created_at", a.created_at}, {"topics", a.topics}};
}
void from_json(const json& j, user_row& a) {
    a = {text(j, "name"), flag(j, "online"), text(j, "created_at"), names(j, "topics")};
}
void to_json(json& j, const user_info& a) {
    j = {{"name", a.name}, {"kind", kind_text(a.is_queue)}, {"online", a.online}, {"topics", a.topics}};
}
void from_json(const json& j, user_info& a) { a = {text(j, "name"), is_queue_kind(j), flag(j, "online"), names(j, "topics")}; }
void to_json(json& j, const pending& a) { j = {{"name", a.name}, {"ids", a.ids}}; }
void from_json(const json& j, pending& a) { a = {text(j, "name"), names(j, "ids")}; }
void to_json(json& j, const confirmed& a) { j = {{"name", a.name}, {"confirmed", a.confirmed}}; }
void from_json(const json& j, confirmed& a) { a = {text(j, "name"), count(j, "confirmed")}; }
void to_json(json& j, const replayed& a) { j = {{"name", a.name}, {"replayed", a.replayed}}; }
void from_json(const json& j, replayed& a) { a = {text(j, "name"), count(j, "replayed")}; }
void to_json(json& j, const history_post& a) { j = {{"from", a.from}, {"message", a.message}}; }
void from_json(const json& j, history_post& a) {
    a.from = text(j, "from");
    a.message = field(j, "message", json::value_t::object, "object").get<chat_message>();
}
void to_json(json& j, const history& a) { j = {{"name", a.name}, {"posts", a.posts}}; }
void from_json(const json& j, history& a) {
    a.name = text(j, "name");
    a.posts.clear();
    for (const auto& post : field(j, "posts", json::value_t::array, "array")) a.posts.push_back(post.get<history_post>());
}
void to_json(json& j, const topic_row& a) { j = {{"name", a.name}, {"members", a.members}, {"created_at", a.created_at}}; }
void from_json(const json& j, topic_row& a) { a = {text(j, "name"), count(j, "members"), text(j, "created_at")}; }
void to_json(json& j, const topic_info& a) { j = {{"name", a.name}, {"members", a.members}}; }
void from_json(const json& j, topic_info& a) { a = {text(j, "name"), names(j, "members")}; }
void to_json(json& j, const membership& a) {
    j = {{"name", a.name}, {"changed", a.changed}};
    if (a.numbers) j["numbers"] = *a.numbers;
}
void from_json(const json& j, membership& a) {
    a.name = text(j, "name");
    a.changed = flag(j, "changed");
    a.numbers.reset();
    if (const auto it = j.find("numbers"); it != j.end() && it->is_object()) {
        a.numbers.emplace();
        for (const auto& [sender, n] : it->items())
            if (n.is_number_unsigned()) (*a.numbers)[sender] = n.get<std::uint64_t>();
    }
}
void to_json(json& j, const queue_row& a) {
    j = {{"name", a.name}, {"kind", kind_text(a.is_queue)}, {"online", a.online}, {"messages", a.messages}};
}
void from_json(const json& j, queue_row& a) { a = {text(j, "name"), is_queue_kind(j), flag(j, "online"), count(j, "messages")}; }
void to_json(json& j, const purged& a) { j = {{"name", a.name}, {"purged", a.purged}}; }
void from_json(const json& j, purged& a) { a = {text(j, "name"), count(j, "purged")}; }

}  // namespace answers

namespace requests {

void to_json(json& j, const name_request& r) { j = {{"name", r.name}}; }
void from_json(const json& j, name_request& r) { r.name = text(j, "name"); }
void to_json(json& j, const account_request& r) { j = {{"name", r.name}, {"password", r.password}}; }
void from_json(const json& j, account_request& r) {
    r.name = text(j, "name");
    r.password = text(j, "password");
}
void to_json(json& j, const password_request& r) { j = {{"password", r.password}}; }
void from_json(const json& j, password_request& r) { r.password = text(j, "password"); }
void to_json(json& j, const no_arguments&) { j = json::object(); }
void from_json(const json&, no_arguments&) {}
void to_json(json& j, const users_confirm& r) { j = {{"ids", r.ids}}; }
void to_json(json& j, const users_replay& r) { j = {{"ids", r.ids}}; }
void from_json(const json& j, users_replay& r) { r.ids = names(j, "ids"); }
void to_json(json& j, const topics_history& r) {
    j = {{"name", r.name}};
    if (r.limit) j["limit"] = *r.limit;
}
void from_json(const json& j, topics_history& r) {
    r.name = text(j, "name");
    r.limit.reset();
    if (j.contains("limit")) {
        r.limit = count(j, "limit");
        if (*r.limit < 1 || *r.limit > topics_history::max_limit)
            throw error(error_kind::bad_request,
                        "\"limit\" is 1 to " + std::to_string(topics_history::max_limit) + " posts");
    }
}
void from_json(const json& j, users_confirm& r) { r.ids = names(j, "ids"); }

}  // namespace requests
}  // namespace papo
