#include "papo/server/server_core.h"

#include "papo/clock.h"
#include "papo/error.h"
#include "papo/name_spoofing.h"
#include "papo/names.h"
#include "papo/rpc.h"
#include "papo/topics.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace papo {
namespace {

using k = server_action::kind;

server_action publish_retained(std::string topic, std::string payload) {
    server_action a{k::publish_retained, {}, std::move(topic), std::move(payload), {}, {}, {}};
    return a;
}
// The empty retained payload that deletes registry/queues/<name>: a removed queue is
// not full, which the broker plugin reads from the property as from any snapshot.
server_action remove_snapshot(const std::string& name) {
    auto a = publish_retained(topics::registry_queue(name), "");
    a.user_properties = {{queue_full_property, "0"}};
    return a;
}
server_action on_account(k type, std::string name, std::string password = {}, bool is_queue = false) {
    return {type, std::move(name), {}, {}, std::move(password), {}, {}, is_queue};
}
server_action on_topic(k type, std::string topic) { return {type, {}, std::move(topic), {}, {}, {}, {}}; }
server_action on_queue(k type, std::string name, queue_subscriptions subscriptions = {},
                       std::vector<std::string> dropped = {}) {
    return {type, std::move(name), {}, {}, {}, std::move(subscriptions), std::move(dropped)};
}

inline constexpr std::size_t min_password_bytes = 8;
inline constexpr std::size_t max_password_bytes = 256;

// The new account's password: carried in the request to papo-server only, handed
// to the broker's account system (which stores a salted hash), never kept or logged here.
void require_good_password(const std::string& password) {
    if (password.size() < min_password_bytes || password.size() > max_password_bytes)
        throw error(error_kind::bad_password, "a password has " + std::to_string(min_password_bytes) + " to " +
                                                  std::to_string(max_password_bytes) + " bytes");
    if (!is_valid_utf8(password)) throw error(error_kind::bad_password, "a password must be valid UTF-8");
}

// A name for something new has no invisible or mixed-script trick (name_spoofing.h);
// names made before stay valid, so only creation checks this, after the taken checks
// (a look-alike of an existing name is best told as such).
void require_new_name(const std::string& name, const std::string& what) {
    if (const auto problem = new_name_problem(name))
        throw error(error_kind::invalid_name, "invalid " + what + " name: it " + *problem);
}

// An accepted plan whose answer is `data`.
template <typename Data>
server_plan answer(const char* command, const Data& data) {
    server_plan plan;
    plan.command = command;
    plan.response = make_success(command, nlohmann::json(data));
    return plan;
}

// The handler table: command -> who may ask, and the handler with its typed request.
using handler = std::function<server_plan(const server_core&, const std::string& from, const nlohmann::json&)>;
struct handler_entry {
    requests::asker may_ask;
    handler run;
};

template <typename Request>
std::pair<const std::string, handler_entry> entry(server_plan (server_core::*fn)(const std::string&, const Request&) const) {
    return {Request::command, {Request::may_ask, [fn](const server_core& core, const std::string& from, const nlohmann::json& j) {
                                   return (core.*fn)(from, j.get<Request>());
                               }}};
}

}  // namespace

queue_subscriptions server_core::subscriptions_of(const user_record& user) {
    queue_subscriptions s{{topics::inbox_filter(user.name), topics::receipt_filter(user.name)}, {}};
    for (const auto& topic : user.topics) s.posts.push_back(topics::post_filter(topic));
    return s;
}

const user_record& server_core::existing_user(const std::string& name) const {
    const user_record* user = registry_.find_user(name);
    if (!user) throw error(error_kind::no_such_user, "no such user: '" + name + "'");
    return *user;
}

const topic_record& server_core::existing_topic(const std::string& name) const {
    const topic_record* topic = registry_.find_topic(name);
    if (!topic) throw error(error_kind::no_such_topic, "no such topic: '" + name + "'");
    return *topic;
}

// --- Loading and restoring ---------------------------------------------------------

void server_core::load_user(const user_record& user) {
    registry_.put_user(user);
    accounting_.ensure_queue(user.name);
}
void server_core::load_topic(const topic_record& topic) { registry_.put_topic(topic); }
void server_core::load_queue(const queue_snapshot& snapshot) {
    if (registry_.find_user(snapshot.name)) accounting_.restore(snapshot);
}

void server_core::load_waiting(const std::string& queue, const std::string& sender, const std::string& id,
                               std::uint64_t bytes) {
    const user_record* user = registry_.find_user(queue);
    if (user && user->name == queue) accounting_.routed(queue, sender, id, bytes);
}

restore_plan server_core::restore(const registry_copy& local, const registry_copy& retained,
                                  const std::vector<queue_snapshot>& snapshots, bool counts_from_snapshots) {
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
        actions.push_back(on_topic(k::revoke_topic, topic.name));
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
            actions.push_back(on_queue(k::open_queue, user.name, subscriptions_of(user)));
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
            actions.push_back(on_queue(k::repair_queue, user.name, subscriptions_of(user), std::move(dropped)));
        }
    }
    for (const auto& user : retained.users) {
        if (local_users.count(user.name)) continue;
        // Removed after the broker's last save: as users.rm / queues.rm remove it.
        actions.push_back(on_account(k::delete_account, user.name));
        actions.push_back(on_queue(k::wipe_queue, user.name));
        actions.push_back(publish_retained(topics::registry_user(user.name), ""));
        if (!user.is_queue) actions.push_back(publish_retained(topics::presence(user.name), ""));
        summary.removed_users.push_back(user.name);
    }

    // Counts: those of queues the broker kept; a snapshot of any other name is stale.
    for (const auto& snapshot : snapshots) {
        if (local_users.count(snapshot.name) && !fresh_queues.count(snapshot.name)) {
            if (counts_from_snapshots) load_queue(snapshot);
        } else {
            actions.push_back(remove_snapshot(snapshot.name));
        }
    }
    registry_.take_changes();  // loaded, not changed: nothing new to save
    return plan;
}

// --- Requests ----------------------------------------------------------------------

server_plan server_core::handle(const std::string& from, const nlohmann::json& request) const {
    static const std::map<std::string, handler_entry> table{
        entry(&server_core::users_add),    entry(&server_core::users_rm),     entry(&server_core::users_passwd),
        entry(&server_core::users_ls),     entry(&server_core::users_info),   entry(&server_core::users_pending),
        entry(&server_core::users_confirm), entry(&server_core::topics_add),  entry(&server_core::topics_rm),
        entry(&server_core::topics_ls),    entry(&server_core::topics_info),  entry(&server_core::topics_join),
        entry(&server_core::topics_leave), entry(&server_core::queues_add),   entry(&server_core::queues_rm),
        entry(&server_core::queues_ls),    entry(&server_core::queues_purge), entry(&server_core::topics_history),
        entry(&server_core::users_replay), entry(&server_core::users_password),
    };
    std::string command = "unknown";
    try {
        if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
            throw error(error_kind::bad_request, "the request needs a \"command\" string");
        command = request["command"].get<std::string>();
        const auto found = table.find(command);
        if (found == table.end()) throw error(error_kind::unknown_command, "unknown command '" + command + "'");
        switch (found->second.may_ask) {
            case requests::asker::manager:
                if (from != admin_name)
                    throw error(error_kind::forbidden, "'" + command + "' is for the manager (papo-admin) only");
                break;
            case requests::asker::registered:
                if (!registry_.find_user(from))
                    throw error(error_kind::not_registered, "'" + from + "' is not a registered user");
                break;
            case requests::asker::anyone: break;
        }
        return found->second.run(*this, from, request);
    } catch (const error& e) {
        server_plan refused;
        refused.command = command;
        refused.response = make_failure(command, e);
        return refused;
    } catch (const nlohmann::json::exception& e) {
        server_plan refused;
        refused.command = command;
        refused.response = make_failure(command, error(error_kind::bad_request, std::string("malformed request: ") + e.what()));
        return refused;
    }
}

void server_core::commit(const server_plan& plan) {
    if (!plan.accepted()) return;
    const auto& change = plan.change;
    for (const auto& user : change.users) {
        const bool is_new = registry_.find_user(user.name) == nullptr;
        registry_.put_user(user);
        if (is_new) accounting_.add_queue(user.name);
    }
    for (const auto& name : change.removed_users) {
        accounting_.remove_queue(name);
        registry_.remove_user(name);
    }
    for (const auto& topic : change.topics) {
        if (!registry_.find_topic(topic.name)) numbers_known_.insert(topic.name);  // no post yet: every one passes by us
        registry_.put_topic(topic);
    }
    for (const auto& name : change.removed_topics) {
        post_numbers_.erase(name);
        numbers_known_.erase(name);
        registry_.remove_topic(name);
    }
    if (plan.counts) {
        if (plan.counts->purge) accounting_.purge(plan.counts->queue);
        if (!plan.counts->confirmed.empty()) accounting_.confirmed(plan.counts->queue, plan.counts->confirmed);
    }
}

server_plan server_core::add_account(const requests::account_request& r, bool is_queue) const {
    const char* what = is_queue ? "queue" : "user";
    require_valid_name(r.name, what);
    if (const user_record* existing = registry_.find_user(r.name)) {
        const std::string kind = existing->is_queue ? "a queue" : "a user";
        throw error(error_kind::name_taken, "the name '" + r.name + "' is taken (" + kind + " '" + existing->name + "' exists)");
    }
    if (const auto alike = registry_.user_like(r.name))
        throw error(error_kind::name_taken, "the name '" + r.name + "' is taken: it looks like '" + *alike +
                                                "', which exists (a look-alike could pose as it)");
    require_new_name(r.name, what);
    require_good_password(r.password);
    const user_record user{r.name, is_queue, now_text(), {}};
    auto plan = answer(is_queue ? requests::queues_add::command : requests::users_add::command,
                       answers::added{user.name, is_queue, user.created_at});
    // The credential, then the session: a message sent the moment registration succeeds must wait in it.
    plan.actions = {on_account(k::create_account, user.name, r.password, is_queue),
                    on_queue(k::open_queue, user.name, subscriptions_of(user)),
                    publish_retained(topics::registry_user(user.name), encode(user))};
    plan.undo = {on_account(k::delete_account, user.name), on_queue(k::wipe_queue, user.name),
                 publish_retained(topics::registry_user(user.name), "")};
    plan.change.users.push_back(user);
    return plan;
}
server_plan server_core::users_add(const std::string&, const requests::users_add& r) const { return add_account(r, false); }
server_plan server_core::queues_add(const std::string&, const requests::queues_add& r) const { return add_account(r, true); }

server_plan server_core::remove_account(const requests::name_request& r, bool is_queue) const {
    const user_record* user = registry_.find_user(r.name);
    if (!user || user->is_queue != is_queue)
        throw error(is_queue ? error_kind::no_such_queue : error_kind::no_such_user,
                    std::string("no such ") + (is_queue ? "named queue" : "user") + ": '" + r.name + "'" +
                        (user && is_queue ? " is a user's queue; it goes with 'users rm'" : ""));
    auto plan = answer(is_queue ? requests::queues_rm::command : requests::users_rm::command, answers::named{user->name});
    // Revoke first (the broker also closes the user's live connections), then wipe the queue.
    plan.actions = {on_account(k::delete_account, user->name), on_queue(k::wipe_queue, user->name),
                    publish_retained(topics::registry_user(user->name), ""),
                    remove_snapshot(user->name)};
    if (!user->is_queue) plan.actions.push_back(publish_retained(topics::presence(user->name), ""));
    plan.change.removed_users.push_back(user->name);
    return plan;
}
server_plan server_core::users_rm(const std::string&, const requests::users_rm& r) const { return remove_account(r, false); }
server_plan server_core::queues_rm(const std::string&, const requests::queues_rm& r) const { return remove_account(r, true); }

server_plan server_core::users_passwd(const std::string&, const requests::users_passwd& r) const {
    const user_record& user = existing_user(r.name);
    require_good_password(r.password);
    auto plan = answer(requests::users_passwd::command, answers::named{user.name});
    plan.actions = {on_account(k::set_password, user.name, r.password)};
    return plan;
}

// A user changes its own password (papo passwd): only the asker's account, and not a
// named queue's, whose password is the manager's to give (papo-admin users passwd).
server_plan server_core::users_password(const std::string& from, const requests::users_password& r) const {
    const user_record& user = existing_user(from);
    if (user.is_queue)
        throw error(error_kind::forbidden, "'" + user.name + "' is a named queue: its password is set by the manager");
    require_good_password(r.password);
    auto plan = answer(requests::users_password::command, answers::named{user.name});
    plan.actions = {on_account(k::set_password, user.name, r.password)};
    return plan;
}

server_plan server_core::users_ls(const std::string&, const requests::users_ls&) const {
    std::vector<answers::user_row> rows;
    for (const auto& [key, user] : registry_.users())
        if (!user.is_queue) rows.push_back({user.name, registry_.online(user.name), user.created_at, user.topics});
    return answer(requests::users_ls::command, rows);
}

server_plan server_core::users_info(const std::string&, const requests::users_info& r) const {
    const user_record& user = existing_user(r.name);
    return answer(requests::users_info::command, answers::user_info{user.name, user.is_queue, registry_.online(user.name), user.topics});
}

server_plan server_core::users_pending(const std::string& from, const requests::users_pending&) const {
    const user_record& user = existing_user(from);
    // At most max_listed_ids: the answer must stay under the broker's packet limit.
    return answer(requests::users_pending::command, answers::pending{user.name, accounting_.pending(user.name, max_listed_ids)});
}

// A reader confirms ids it has already shown: repairs a count whose receipt a crash
// lost (papo read and interactive papo send this at start).
server_plan server_core::users_confirm(const std::string& from, const requests::users_confirm& r) const {
    const user_record& user = existing_user(from);
    if (r.ids.size() > requests::users_confirm::max_ids)
        throw error(error_kind::too_many, "at most " + std::to_string(requests::users_confirm::max_ids) + " ids per request");
    auto plan = answer(requests::users_confirm::command, answers::confirmed{user.name, accounting_.waiting_among(user.name, r.ids)});
    plan.counts = count_change{user.name, false, r.ids};
    return plan;
}

server_plan server_core::users_replay(const std::string& from, const requests::users_replay& r) const {
    const user_record& user = existing_user(from);
    if (r.ids.size() > requests::users_replay::max_ids)
        throw error(error_kind::too_many, "at most " + std::to_string(requests::users_replay::max_ids) + " ids per request");
    // The count is filled by the runner: what its store holds of these ids for the queue.
    auto plan = answer(requests::users_replay::command, answers::replayed{user.name, 0});
    plan.replay = count_change{user.name, false, r.ids};
    return plan;
}

server_plan server_core::topics_add(const std::string&, const requests::topics_add& r) const {
    require_valid_name(r.name, "topic");
    if (const topic_record* existing = registry_.find_topic(r.name))
        throw error(error_kind::name_taken, "the topic '" + existing->name + "' exists already");
    if (const auto alike = registry_.topic_like(r.name))
        throw error(error_kind::name_taken, "the topic '" + r.name + "' looks like '" + *alike + "', which exists already");
    require_new_name(r.name, "topic");
    const topic_record topic{r.name, now_text()};
    auto plan = answer(requests::topics_add::command, answers::named{topic.name});
    plan.actions = {on_topic(k::grant_topic, topic.name), publish_retained(topics::registry_topic(topic.name), encode(topic))};
    plan.undo = {on_topic(k::revoke_topic, topic.name), publish_retained(topics::registry_topic(topic.name), "")};
    plan.change.topics.push_back(topic);
    return plan;
}

server_plan server_core::topics_rm(const std::string&, const requests::topics_rm& r) const {
    const std::string name = existing_topic(r.name).name;
    auto plan = answer(requests::topics_rm::command, answers::named{name});
    plan.actions.push_back(on_topic(k::revoke_topic, name));
    for (const auto& member : registry_.members(name)) {
        user_record user = *registry_.find_user(member);
        user.topics.erase(std::remove(user.topics.begin(), user.topics.end(), name), user.topics.end());
        plan.actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        plan.change.users.push_back(std::move(user));
    }
    plan.actions.push_back(publish_retained(topics::registry_topic(name), ""));
    plan.change.removed_topics.push_back(name);
    return plan;
}

server_plan server_core::topics_ls(const std::string&, const requests::topics_ls&) const {
    std::vector<answers::topic_row> rows;
    for (const auto& [key, topic] : registry_.topics())
        rows.push_back({topic.name, registry_.members(topic.name).size(), topic.created_at});
    return answer(requests::topics_ls::command, rows);
}

server_plan server_core::topics_info(const std::string&, const requests::topics_info& r) const {
    const topic_record& topic = existing_topic(r.name);
    return answer(requests::topics_info::command, answers::topic_info{topic.name, registry_.members(topic.name)});
}

server_plan server_core::topics_history(const std::string& from, const requests::topics_history& r) const {
    const topic_record& topic = existing_topic(r.name);
    const auto members = registry_.members(topic.name);
    if (std::find(members.begin(), members.end(), from) == members.end())
        throw error(error_kind::forbidden, "only members read the history of #" + topic.name + " (papo join " + topic.name + ")");
    auto plan = answer(requests::topics_history::command, answers::history{topic.name, {}});
    plan.history = history_query{topic.name, r.limit.value_or(0)};
    return plan;
}

server_plan server_core::topics_join(const std::string& from, const requests::topics_join& r) const {
    const std::string name = existing_topic(r.name).name;
    user_record user = existing_user(from);
    if (user.is_queue)
        throw error(error_kind::forbidden, "'" + user.name + "' is a named queue: it reads its own queue and joins no topic");
    const bool changed = std::find(user.topics.begin(), user.topics.end(), name) == user.topics.end();
    answers::membership data{name, changed, std::nullopt};
    if (numbers_known_.count(name)) {
        data.numbers.emplace();
        if (const auto known = post_numbers_.find(name); known != post_numbers_.end())
            for (const auto& [key, n] : known->second) (*data.numbers)[key.sender_text()] = n;
    }
    auto plan = answer(requests::topics_join::command, data);
    if (changed) {
        user.topics.push_back(name);
        plan.actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        plan.change.users.push_back(std::move(user));
    }
    return plan;
}

server_plan server_core::topics_leave(const std::string& from, const requests::topics_leave& r) const {
    const topic_record* topic = registry_.find_topic(r.name);
    const std::string name = topic ? topic->name : r.name;  // leaving a removed topic is no error
    user_record user = existing_user(from);
    const auto it = std::find(user.topics.begin(), user.topics.end(), name);
    const bool changed = it != user.topics.end();
    auto plan = answer(requests::topics_leave::command, answers::membership{name, changed, std::nullopt});
    if (changed) {
        user.topics.erase(it);
        plan.actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        plan.change.users.push_back(std::move(user));
    }
    return plan;
}

server_plan server_core::queues_ls(const std::string&, const requests::queues_ls&) const {
    std::vector<answers::queue_row> rows;
    for (const auto& [key, user] : registry_.users())
        rows.push_back({user.name, user.is_queue, registry_.online(user.name), accounting_.depth(user.name)});
    return answer(requests::queues_ls::command, rows);
}

server_plan server_core::queues_purge(const std::string&, const requests::queues_purge& r) const {
    const user_record* user = registry_.find_user(r.name);
    if (!user) throw error(error_kind::no_such_queue, "no such queue: '" + r.name + "'");
    if (registry_.online(user->name))
        throw error(error_kind::queue_online,
                    "'" + user->name + "' is online and reading its queue; purge it while it is offline");
    auto plan = answer(requests::queues_purge::command, answers::purged{user->name, accounting_.depth(user->name)});
    plan.actions = {on_queue(k::open_queue, user->name, subscriptions_of(*user))};  // a new queue starts empty
    plan.counts = count_change{user->name, true, {}};
    return plan;
}

// --- Traffic -----------------------------------------------------------------------

std::vector<std::string> server_core::on_direct_message(const std::string& to, const std::string& from,
                                                       const std::string& id, std::uint64_t bytes) {
    const user_record* user = registry_.find_user(to);
    if (!user || user->name != to) return {};
    accounting_.routed(to, from, id, bytes);
    return {to};
}

std::vector<std::string> server_core::on_post(const std::string& topic, const std::string& from, const std::string& id,
                                             std::optional<std::uint64_t> seq, const std::string& series,
                                             std::uint64_t bytes) {
    const topic_record* record = registry_.find_topic(topic);
    if (!record || record->name != topic) return {};
    std::vector<std::string> routed;
    for (const auto& member : registry_.members(topic))
        if (member != from) {
            accounting_.routed(member, from, id, bytes);
            routed.push_back(member);
        }
    if (seq) {
        auto& highest = post_numbers_[topic][numbering_key{from, topic, series}];
        highest = std::max(highest, *seq);
    }
    return routed;
}

void server_core::on_receipt(const std::string& reader, const std::string& sender, const std::vector<std::string>& ids) {
    accounting_.received(reader, sender, ids);
}

void server_core::on_presence(const std::string& name, bool online) { registry_.set_online(name, online); }

server_action server_core::snapshot_of(const std::string& queue) const {
    const auto snapshot = accounting_.snapshot(queue, max_listed_ids);
    auto a = publish_retained(topics::registry_queue(queue), encode(snapshot));
    a.user_properties = {{queue_full_property, snapshot.full ? "1" : "0"}};
    return a;
}

std::vector<server_action> server_core::whole_registry() const {
    std::vector<server_action> actions;
    for (const auto& [key, topic] : registry_.topics())
        actions.push_back(publish_retained(topics::registry_topic(topic.name), encode(topic)));
    for (const auto& [key, user] : registry_.users()) {
        actions.push_back(publish_retained(topics::registry_user(user.name), encode(user)));
        actions.push_back(snapshot_of(user.name));
    }
    return actions;
}

std::vector<server_action> server_core::take_snapshots() {
    std::vector<server_action> actions;
    for (const auto& name : accounting_.take_changed())
        if (registry_.find_user(name)) actions.push_back(snapshot_of(name));
    return actions;
}

std::vector<server_action> server_core::take_full_changes() {
    std::vector<server_action> actions;
    for (const auto& name : accounting_.take_full_changes())
        if (registry_.find_user(name)) actions.push_back(snapshot_of(name));
    return actions;
}

std::vector<server_action> server_core::full_queue_snapshots() {
    std::set<std::string> names = accounting_.take_full_changes();
    for (const auto& name : accounting_.full_queues()) names.insert(name);
    std::vector<server_action> actions;
    for (const auto& name : names)
        if (registry_.find_user(name)) actions.push_back(snapshot_of(name));
    return actions;
}

}  // namespace papo
