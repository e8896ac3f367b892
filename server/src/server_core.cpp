#include "papo/server/server_core.h"

#include "papo/server/broker_security.h"
#include "papo/clock.h"
#include "papo/error.h"
#include "papo/names.h"
#include "papo/rpc.h"
#include "papo/topics.h"

#include <algorithm>
#include <map>
#include <set>

namespace papo {
namespace {

server_action publish_retained(std::string topic, std::string payload) {
    return {server_action::kind::publish_retained, std::move(topic), std::move(payload), {}, {}, {}, {}};
}
server_action create_queue(std::string name, std::vector<std::string> filters) {
    return {server_action::kind::create_queue, {}, {}, std::move(name), std::move(filters), {}, {}};
}
server_action delete_queue(std::string name) {
    return {server_action::kind::delete_queue, {}, {}, std::move(name), {}, {}, {}};
}
server_action secure(std::vector<nlohmann::json> commands) {
    return {server_action::kind::secure, {}, {}, {}, {}, std::move(commands), {}};
}
server_action repair_queue(std::string name, std::vector<std::string> filters, std::vector<std::string> dropped) {
    return {server_action::kind::repair_queue, {}, {}, std::move(name), std::move(filters), {}, std::move(dropped)};
}

inline constexpr std::size_t min_password_bytes = 8;
inline constexpr std::size_t max_confirm_ids = 1000;
inline constexpr std::size_t max_password_bytes = 256;

// The new account's password: carried in the request to papo-server only, handed
// to the broker's dynsec (which stores a salted hash), never kept or logged here.
std::string password_argument(const nlohmann::json& request) {
    const auto it = request.find("password");
    if (it == request.end() || !it->is_string()) throw error("the request needs a \"password\" string");
    const auto& password = it->get_ref<const std::string&>();
    if (password.size() < min_password_bytes || password.size() > max_password_bytes)
        throw error("a password has " + std::to_string(min_password_bytes) + " to " + std::to_string(max_password_bytes) +
                    " bytes");
    if (!is_valid_utf8(password)) throw error("a password must be valid UTF-8");
    return password;
}

bool reserved(const std::string& name) {
    return name_key(name) == name_key(broker_security::server_account) ||
           name_key(name) == name_key(broker_security::admin_account);
}

std::string name_argument(const nlohmann::json& request) {
    const auto it = request.find("name");
    if (it == request.end() || !it->is_string()) throw error("the request needs a \"name\" string");
    return it->get<std::string>();
}

void require_admin(const std::string& from, const std::string& command) {
    if (from != admin_name) throw error("'" + command + "' is for the manager (papo-admin) only");
}

}  // namespace

void server_core::load_user(const user_record& user) {
    registry_.put_user(user);
    accounting_.restore(user.name, {});
}
void server_core::load_topic(const topic_record& topic) { registry_.put_topic(topic); }
void server_core::load_queue(const queue_snapshot& snapshot) {
    if (registry_.find_user(snapshot.name)) accounting_.restore(snapshot.name, snapshot.pending);
}

restore_plan server_core::restore(const registry_copy& local, const registry_copy& retained,
                                  const std::vector<queue_snapshot>& snapshots) {
    restore_plan plan;
    auto& actions = plan.actions;
    auto& summary = plan.summary;
    // Retained entries are topics of their exact spelling, so match on that.
    std::map<std::string, const topic_record*> kept_topics;
    std::map<std::string, const user_record*> kept_users;
    for (const auto& topic : retained.topics) kept_topics[topic.name] = &topic;
    for (const auto& user : retained.users) kept_users[user.name] = &user;
    std::set<std::string> local_topics, local_users, fresh_queues;

    for (const auto& topic : local.topics) {
        load_topic(topic);
        local_topics.insert(topic.name);
        const auto kept = kept_topics.find(topic.name);
        if (kept != kept_topics.end() && nlohmann::json(*kept->second) == nlohmann::json(topic)) continue;
        actions.push_back(publish_retained(topics::registry_topic(topic.name), encode(topic)));
        summary.republished_topics.push_back(topic.name);
    }
    for (const auto& topic : retained.topics) {
        if (local_topics.count(topic.name)) continue;
        // Removed after the broker's last save: its posting rights go too (idempotent).
        actions.push_back(secure(broker_security::close_topic(topic.name)));
        actions.push_back(publish_retained(topics::registry_topic(topic.name), ""));
        summary.removed_topics.push_back(topic.name);
    }

    for (const auto& user : local.users) {
        load_user(user);
        local_users.insert(user.name);
        const auto kept = kept_users.find(user.name);
        if (kept != kept_users.end() && nlohmann::json(*kept->second) == nlohmann::json(user)) continue;
        actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        summary.republished_users.push_back(user.name);
        const user_record* old = kept == kept_users.end() ? nullptr : kept->second;
        if (old && (old->created_at != user.created_at || old->is_queue != user.is_queue)) {
            // Removed and registered again since the broker's last save: the session the
            // broker kept is the earlier one's, with its messages. A new one, as users.add makes it.
            actions.push_back(create_queue(user.name, queue_filters(user)));
            fresh_queues.insert(user.name);
            summary.remade_queues.push_back(user.name);
        } else {
            // Lost with the broker: made again with users.add's filters, but not emptied
            // (its reader may have come back first and made it). Or only its topics
            // changed: the session keeps its messages and follows the topics.
            std::vector<std::string> dropped;
            if (old) {
                for (const auto& topic : old->topics)
                    if (std::find(user.topics.begin(), user.topics.end(), topic) == user.topics.end())
                        dropped.push_back(topics::post_filter(topic));
            } else {
                summary.remade_queues.push_back(user.name);
            }
            actions.push_back(repair_queue(user.name, queue_filters(user), std::move(dropped)));
        }
    }
    for (const auto& user : retained.users) {
        if (local_users.count(user.name)) continue;
        // Removed after the broker's last save: as users.rm / queues.rm remove it.
        actions.push_back(secure({broker_security::delete_account(user.name)}));
        actions.push_back(delete_queue(user.name));
        actions.push_back(publish_retained(topics::registry_user(user.name), ""));
        if (!user.is_queue) actions.push_back(publish_retained(topics::presence(user.name), ""));
        summary.removed_users.push_back(user.name);
    }

    // Counts: those of queues the broker kept; a snapshot of any other name is stale.
    for (const auto& snapshot : snapshots) {
        if (local_users.count(snapshot.name) && !fresh_queues.count(snapshot.name)) load_queue(snapshot);
        else actions.push_back(publish_retained(topics::registry_queue(snapshot.name), ""));
    }
    registry_.take_changes();  // loaded, not changed: nothing new to save
    return plan;
}

std::vector<std::string> server_core::queue_filters(const user_record& user) const {
    std::vector<std::string> filters{topics::inbox_filter(user.name), topics::receipt_filter(user.name)};
    for (const auto& topic : user.topics) filters.push_back(topics::post_filter(topic));
    return filters;
}

nlohmann::json server_core::users_add(const std::string& from, const nlohmann::json& request, bool is_queue,
                                      std::vector<server_action>& actions) {
    const char* what = is_queue ? "queue" : "user";
    require_admin(from, is_queue ? "queues.add" : "users.add");
    const std::string name = name_argument(request);
    require_valid_name(name, what);
    if (reserved(name)) throw error("the name '" + name + "' is reserved for papo's own services");
    if (const user_record* existing = registry_.find_user(name)) {
        const std::string kind = existing->is_queue ? "a queue" : "a user";
        throw error("the name '" + name + "' is taken (" + kind + " '" + existing->name + "' exists)");
    }
    const std::string password = password_argument(request);
    user_record user{name, is_queue, now_text(), {}};
    // The credential, then the session: a message sent the moment registration succeeds must wait in it.
    actions.push_back(secure(broker_security::create_account(name, password)));
    // The session: a message sent the moment registration succeeds must wait in it.
    actions.push_back(create_queue(name, queue_filters(user)));
    actions.push_back(publish_retained(topics::registry_user(name), encode(user)));
    registry_.put_user(user);
    accounting_.add_queue(name);
    return {{"name", name}, {"kind", what}, {"created_at", user.created_at}};
}

void server_core::remove_queue_owner(const user_record& user, std::vector<server_action>& actions) {
    // Revoke first (dynsec also disconnects the user's live connections), then wipe the queue.
    actions.push_back(secure({broker_security::delete_account(user.name)}));
    actions.push_back(delete_queue(user.name));
    actions.push_back(publish_retained(topics::registry_user(user.name), ""));
    actions.push_back(publish_retained(topics::registry_queue(user.name), ""));
    if (!user.is_queue) actions.push_back(publish_retained(topics::presence(user.name), ""));
    accounting_.remove_queue(user.name);
    registry_.remove_user(user.name);
}

nlohmann::json server_core::user_list(bool queues) const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [key, user] : registry_.users()) {
        if (!queues && user.is_queue) continue;
        nlohmann::json row{{"name", user.name}, {"online", registry_.online(user.name)}};
        if (queues) {
            row["kind"] = user.is_queue ? "queue" : "user";
            row["messages"] = accounting_.depth(user.name);
        } else {
            row["created_at"] = user.created_at;
            row["topics"] = user.topics;
        }
        list.push_back(std::move(row));
    }
    return list;
}

server_outcome server_core::handle(const std::string& from, const nlohmann::json& request) {
    std::string command = "unknown";
    server_outcome outcome;
    try {
        if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
            throw error("the request needs a \"command\" string");
        command = request["command"].get<std::string>();
        auto& actions = outcome.actions;
        nlohmann::json data = nlohmann::json::object();

        if (command == "users.add") {
            data = users_add(from, request, false, actions);
        } else if (command == "users.rm" || command == "queues.rm") {
            require_admin(from, command);
            const std::string name = name_argument(request);
            const user_record* user = registry_.find_user(name);
            const bool want_queue = command == "queues.rm";
            if (!user || user->is_queue != want_queue)
                throw error(std::string("no such ") + (want_queue ? "named queue" : "user") + ": '" + name + "'" +
                            (user && want_queue ? " is a user's queue; it goes with 'users rm'" : ""));
            data = {{"name", user->name}};
            remove_queue_owner(*user, actions);
        } else if (command == "users.passwd") {
            require_admin(from, command);
            const std::string name = name_argument(request);
            const user_record* user = registry_.find_user(name);
            if (!user) throw error("no such user: '" + name + "'");
            actions.push_back(secure({broker_security::set_password(user->name, password_argument(request))}));
            data = {{"name", user->name}};
        } else if (command == "users.ls") {
            data = user_list(false);
        } else if (command == "users.info") {
            const std::string name = name_argument(request);
            const user_record* user = registry_.find_user(name);
            if (!user) throw error("no such user: '" + name + "'");
            data = {{"name", user->name}, {"kind", user->is_queue ? "queue" : "user"},
                    {"online", registry_.online(user->name)}, {"topics", user->topics}};
        } else if (command == "users.pending") {
            const user_record* user = registry_.find_user(from);
            if (!user) throw error("'" + from + "' is not a registered user");
            data = {{"name", user->name}, {"ids", accounting_.pending(user->name)}};
        } else if (command == "users.confirm") {
            // A reader confirms ids it has already shown: repairs a count whose receipt a
            // crash lost (papo read and interactive papo send this at start).
            const user_record* user = registry_.find_user(from);
            if (!user) throw error("'" + from + "' is not a registered user");
            const auto it = request.find("ids");
            if (it == request.end() || !it->is_array()) throw error("the request needs an \"ids\" array");
            if (it->size() > max_confirm_ids) throw error("at most " + std::to_string(max_confirm_ids) + " ids per request");
            std::vector<std::string> ids;
            for (const auto& id : *it) {
                if (!id.is_string()) throw error("\"ids\" must hold strings");
                ids.push_back(id.get<std::string>());
            }
            const std::size_t before = accounting_.depth(user->name);
            accounting_.received(user->name, ids);
            data = {{"name", user->name}, {"confirmed", before - accounting_.depth(user->name)}};
        } else if (command == "topics.add") {
            require_admin(from, command);
            const std::string name = name_argument(request);
            require_valid_name(name, "topic");
            if (const topic_record* existing = registry_.find_topic(name))
                throw error("the topic '" + existing->name + "' exists already");
            topic_record topic{name, now_text()};
            actions.push_back(secure(broker_security::open_topic(name)));
            registry_.put_topic(topic);
            numbers_known_.insert(name);  // no post yet: every one will pass by us
            actions.push_back(publish_retained(topics::registry_topic(name), encode(topic)));
            data = {{"name", name}};
        } else if (command == "topics.rm") {
            require_admin(from, command);
            const std::string name = name_argument(request);
            const topic_record* topic = registry_.find_topic(name);
            if (!topic) throw error("no such topic: '" + name + "'");
            const std::string canonical = topic->name;
            post_numbers_.erase(canonical);
            numbers_known_.erase(canonical);
            actions.push_back(secure(broker_security::close_topic(canonical)));
            for (const auto& member : registry_.members(canonical)) {
                registry_.leave(member, canonical);
                actions.push_back(publish_retained(topics::registry_user(member), encode(*registry_.find_user(member))));
            }
            registry_.remove_topic(canonical);
            actions.push_back(publish_retained(topics::registry_topic(canonical), ""));
            data = {{"name", canonical}};
        } else if (command == "topics.ls") {
            data = nlohmann::json::array();
            for (const auto& [key, topic] : registry_.topics())
                data.push_back({{"name", topic.name}, {"members", registry_.members(topic.name).size()},
                                {"created_at", topic.created_at}});
        } else if (command == "topics.info") {
            const std::string name = name_argument(request);
            const topic_record* topic = registry_.find_topic(name);
            if (!topic) throw error("no such topic: '" + name + "'");
            data = {{"name", topic->name}, {"members", registry_.members(topic->name)}};
        } else if (command == "topics.join" || command == "topics.leave") {
            const std::string name = name_argument(request);
            const user_record* user = registry_.find_user(from);
            if (!user) throw error("'" + from + "' is not a registered user");
            const topic_record* topic = registry_.find_topic(name);
            if (!topic && command == "topics.join") throw error("no such topic: '" + name + "'");
            const std::string canonical = topic ? topic->name : name;
            const bool changed = command == "topics.join" ? registry_.join(from, canonical) : registry_.leave(from, canonical);
            if (changed) actions.push_back(publish_retained(topics::registry_user(user->name), encode(*registry_.find_user(from))));
            data = {{"name", canonical}, {"changed", changed}};
            if (command == "topics.join" && numbers_known_.count(canonical)) {
                data["numbers"] = nlohmann::json::object();
                if (const auto known = post_numbers_.find(canonical); known != post_numbers_.end())
                    for (const auto& [sender, n] : known->second) data["numbers"][sender] = n;
            }
        } else if (command == "queues.add") {
            require_admin(from, command);
            data = users_add(from, request, true, actions);
        } else if (command == "queues.ls") {
            require_admin(from, command);
            data = user_list(true);
        } else if (command == "queues.purge") {
            require_admin(from, command);
            const std::string name = name_argument(request);
            const user_record* user = registry_.find_user(name);
            if (!user) throw error("no such queue: '" + name + "'");
            if (registry_.online(user->name))
                throw error("'" + user->name + "' is online and reading its queue; purge it while it is offline");
            data = {{"name", user->name}, {"purged", accounting_.depth(user->name)}};
            actions.push_back(create_queue(user->name, queue_filters(*user)));  // a created queue starts empty
            accounting_.purge(user->name);
        } else {
            throw error("unknown command '" + command + "'");
        }
        outcome.response = make_success(command, std::move(data));
    } catch (const error& e) {
        outcome.actions.clear();
        outcome.response = make_failure(command, e);
    } catch (const nlohmann::json::exception& e) {
        outcome.actions.clear();
        outcome.response = make_failure(command, error(error_kind::bad_request, std::string("malformed request: ") + e.what()));
    }
    return outcome;
}

void server_core::on_direct_message(const std::string& to, const std::string&, const std::string& id) {
    const user_record* user = registry_.find_user(to);
    if (user && user->name == to) accounting_.routed(to, id);
}

void server_core::on_post(const std::string& topic, const std::string& from, const std::string& id,
                          std::optional<std::uint64_t> seq, const std::string& series) {
    const topic_record* record = registry_.find_topic(topic);
    if (!record || record->name != topic) return;
    for (const auto& member : registry_.members(topic))
        if (member != from) accounting_.routed(member, id);
    if (seq) {
        auto& highest = post_numbers_[topic][series.empty() ? from : from + "/" + series];
        highest = std::max(highest, *seq);
    }
}

void server_core::on_receipt(const std::string& reader, const std::vector<std::string>& ids) {
    accounting_.received(reader, ids);
}

void server_core::on_presence(const std::string& name, bool online) { registry_.set_online(name, online); }

std::vector<server_action> server_core::whole_registry() const {
    std::vector<server_action> actions;
    for (const auto& [key, topic] : registry_.topics())
        actions.push_back(publish_retained(topics::registry_topic(topic.name), encode(topic)));
    for (const auto& [key, user] : registry_.users()) {
        actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        actions.push_back(publish_retained(topics::registry_queue(user.name),
                                           encode(queue_snapshot{user.name, accounting_.pending(user.name)})));
    }
    return actions;
}

std::vector<server_action> server_core::take_snapshots() {
    std::vector<server_action> actions;
    for (const auto& name : accounting_.take_changed()) {
        if (!registry_.find_user(name)) continue;
        actions.push_back(publish_retained(topics::registry_queue(name), encode(queue_snapshot{name, accounting_.pending(name)})));
    }
    return actions;
}

}  // namespace papo
