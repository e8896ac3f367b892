#pragma once
// papo-server's decisions, with no I/O: feed it requests and observed traffic,
// get back responses and the actions to carry out on the broker. Unit-tested
// without a broker; server/ wires it to a real connection.
#include "papo/server/queue_accounting.h"
#include "papo/server/registry.h"

#include <map>
#include <optional>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo {

// The name papo-admin asks under; only it may run the manager's commands.
inline constexpr const char* admin_name = "papo-admin";

struct server_action {
    enum class kind {
        publish_retained,  // topic + payload; an empty payload deletes the retained message
        create_queue,      // a new, empty persistent session for `name`, subscribed to `filters`
        delete_queue,      // end the session of `name` and the messages it holds
        secure,            // dynamic-security commands (`commands`) that must succeed first
        repair_queue,      // the session of `name` subscribed to `filters` and no longer to
                           // `dropped_filters`, keeping the messages it holds (made if missing)
    };
    kind type;
    std::string topic;
    std::string payload;
    std::string name;
    std::vector<std::string> filters;
    std::vector<nlohmann::json> commands;
    std::vector<std::string> dropped_filters;
};

struct server_outcome {
    nlohmann::json response;
    std::vector<server_action> actions;
};

// What restore() found the broker had lost or kept too long, for the log.
struct restore_summary {
    std::vector<std::string> republished_users, remade_queues, removed_users;  // users and named queues
    std::vector<std::string> republished_topics, removed_topics;
    bool empty() const {
        return republished_users.empty() && removed_users.empty() && republished_topics.empty() &&
               removed_topics.empty();
    }
};

struct restore_plan {
    std::vector<server_action> actions;  // the repairs, to carry out before serving
    restore_summary summary;
};

class server_core {
public:
    // Loading the retained registry at start-up.
    void load_user(const user_record& user);
    void load_topic(const topic_record& topic);
    void load_queue(const queue_snapshot& snapshot);
    // Loading at start-up when papo-server has its own copy of the registry (registry_file.h):
    // that copy is the authority, since papo-server saved every change there before
    // answering, while the broker loses what changed since its last autosave. Loads
    // `local` (and the counts of the queues the broker kept) and returns the repairs that
    // make the broker's `retained` registry match it: entries and queue sessions the
    // broker lost are made again, entries that were removed are removed again.
    restore_plan restore(const registry_copy& local, const registry_copy& retained,
                         const std::vector<queue_snapshot>& snapshots);

    // A request from `from` (a user's name, or admin_name).
    server_outcome handle(const std::string& from, const nlohmann::json& request);

    // Traffic papo-server observes on the broker.
    void on_direct_message(const std::string& to, const std::string& from, const std::string& id);
    // A post; `seq` and `series` are the sender's numbers when it keeps them.
    void on_post(const std::string& topic, const std::string& from, const std::string& id,
                 std::optional<std::uint64_t> seq = std::nullopt, const std::string& series = {});
    void on_receipt(const std::string& reader, const std::vector<std::string>& ids);
    void on_presence(const std::string& name, bool online);

    // Snapshots of the queues whose counts changed, to publish as retained.
    std::vector<server_action> take_snapshots();
    // The whole registry (users, topics, queue snapshots) as retained publishes: after a
    // broker that crashed comes back without what it had not saved yet.
    std::vector<server_action> whole_registry() const;

    const registry& state() const { return registry_; }
    // Users and topics changed since the last call: what to save before answering.
    registry_change take_changes() { return registry_.take_changes(); }
    std::size_t depth(const std::string& queue) const { return accounting_.depth(queue); }

    // The subscriptions a queue's session needs: its inbox and its joined topics.
    std::vector<std::string> queue_filters(const user_record& user) const;

private:
    nlohmann::json users_add(const std::string& from, const nlohmann::json& request, bool is_queue,
                             std::vector<server_action>& actions);
    void remove_queue_owner(const user_record& user, std::vector<server_action>& actions);
    nlohmann::json user_list(bool queues) const;

    registry registry_;
    queue_accounting accounting_;
    // topic -> "<sender>[/<series>]" -> the highest post number seen: a member who joins
    // learns where each sender's numbers stand, so it waits only for posts made after it
    // joined. Kept in memory only, so they are told only for topics made since this
    // papo-server started (it saw every post of those); for older topics a joiner takes
    // the first post it sees of each sender as the start.
    std::map<std::string, std::map<std::string, std::uint64_t>> post_numbers_;
    std::set<std::string> numbers_known_;  // topics whose every post this papo-server saw
};

}  // namespace papo
