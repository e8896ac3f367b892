#pragma once
// papo-server's view of the retained registry: users (and named queues), topics,
// memberships and presence. Keys are name_key() so that uniqueness ignores case.
#include "papo/messages.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace papo {

// What papo-server keeps of the registry on its own disk (registry_file.h): every
// user, named queue and topic, but not the queue counts, which change too fast.
struct registry_copy {
    std::vector<user_record> users;  // users and named queues, with the topics they joined
    std::vector<topic_record> topics;
};

// The entries that changed since the last registry::take_changes(): each one as it is
// now, or its name when it is gone.
struct registry_change {
    std::vector<user_record> users;
    std::vector<std::string> removed_users;
    std::vector<topic_record> topics;
    std::vector<std::string> removed_topics;
    bool empty() const { return users.empty() && removed_users.empty() && topics.empty() && removed_topics.empty(); }
};

class registry {
public:
    const user_record* find_user(const std::string& name) const;  // users and named queues
    const topic_record* find_topic(const std::string& name) const;
    // An existing name that looks like `name` (the same confusable skeleton, UTS #39):
    // "аlice" with a Cyrillic а finds alice.
    std::optional<std::string> user_like(const std::string& name) const;  // users and named queues
    std::optional<std::string> topic_like(const std::string& name) const;
    void put_user(user_record user);
    void remove_user(const std::string& name);
    void put_topic(topic_record topic);
    void remove_topic(const std::string& name);
    // Adds/removes a membership; returns false when nothing changed.
    bool join(const std::string& user, const std::string& topic);
    bool leave(const std::string& user, const std::string& topic);
    std::vector<std::string> members(const std::string& topic) const;

    void set_online(const std::string& name, bool online);
    bool online(const std::string& name) const;
    std::vector<std::string> online_users() const;

    const std::map<std::string, user_record>& users() const { return users_; }
    const std::map<std::string, topic_record>& topics() const { return topics_; }

    registry_copy copy() const;
    // The users and topics added, changed or removed since the last call (presence
    // is not a change): what papo-server must save before it answers.
    registry_change take_changes();

private:
    std::map<std::string, user_record> users_;
    std::map<std::string, topic_record> topics_;
    std::map<std::string, std::vector<std::string>> members_;  // topic key -> user names
    std::map<std::string, bool> online_;
    std::map<std::string, std::vector<std::string>> user_looks_, topic_looks_;  // confusable key -> names
    std::map<std::string, std::string> changed_users_, changed_topics_;  // key -> name as last spelled
};

}  // namespace papo
