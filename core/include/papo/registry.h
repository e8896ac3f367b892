#pragma once
// papo-server's view of the retained registry: users (and named queues), topics,
// memberships and presence. Keys are name_key() so that uniqueness ignores case.
#include "papo/messages.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace papo {

class registry {
public:
    const user_record* find_user(const std::string& name) const;  // users and named queues
    const topic_record* find_topic(const std::string& name) const;
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

    const std::map<std::string, user_record>& users() const { return users_; }
    const std::map<std::string, topic_record>& topics() const { return topics_; }

private:
    std::map<std::string, user_record> users_;
    std::map<std::string, topic_record> topics_;
    std::map<std::string, std::vector<std::string>> members_;  // topic key -> user names
    std::map<std::string, bool> online_;
};

}  // namespace papo
