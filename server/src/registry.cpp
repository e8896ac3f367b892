#include "papo/server/registry.h"

#include "papo/name_spoofing.h"
#include "papo/names.h"

#include <algorithm>

namespace papo {

const user_record* registry::find_user(const std::string& name) const {
    auto it = users_.find(name_key(name));
    return it == users_.end() ? nullptr : &it->second;
}
const topic_record* registry::find_topic(const std::string& name) const {
    auto it = topics_.find(name_key(name));
    return it == topics_.end() ? nullptr : &it->second;
}
namespace {
// Look-alike indexes hold every name under its confusable key; names made before the
// look-alike rule may share one, hence a list.
void index_add(std::map<std::string, std::vector<std::string>>& index, const std::string& name) {
    auto& names = index[confusable_key(name)];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}
void index_remove(std::map<std::string, std::vector<std::string>>& index, const std::string& name) {
    const auto it = index.find(confusable_key(name));
    if (it == index.end()) return;
    it->second.erase(std::remove(it->second.begin(), it->second.end(), name), it->second.end());
    if (it->second.empty()) index.erase(it);
}
std::optional<std::string> index_find(const std::map<std::string, std::vector<std::string>>& index, const std::string& name) {
    const auto it = index.find(confusable_key(name));
    if (it == index.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
}
}  // namespace

std::optional<std::string> registry::user_like(const std::string& name) const { return index_find(user_looks_, name); }
std::optional<std::string> registry::topic_like(const std::string& name) const { return index_find(topic_looks_, name); }

void registry::put_user(user_record user) {
    const std::string key = name_key(user.name);
    if (auto old = users_.find(key); old != users_.end() && old->second.name != user.name) index_remove(user_looks_, old->second.name);
    index_add(user_looks_, user.name);
    if (auto old = users_.find(key); old != users_.end())
        for (const auto& topic : old->second.topics) {
            auto& list = members_[name_key(topic)];
            list.erase(std::remove(list.begin(), list.end(), old->second.name), list.end());
        }
    for (const auto& topic : user.topics) members_[name_key(topic)].push_back(user.name);
    changed_users_[key] = user.name;
    users_[key] = std::move(user);
}
void registry::remove_user(const std::string& name) {
    auto it = users_.find(name_key(name));
    if (it == users_.end()) return;
    for (const auto& topic : it->second.topics) {
        auto& list = members_[name_key(topic)];
        list.erase(std::remove(list.begin(), list.end(), it->second.name), list.end());
    }
    online_.erase(it->second.name);
    index_remove(user_looks_, it->second.name);
    changed_users_[it->first] = it->second.name;
    users_.erase(it);
}
void registry::put_topic(topic_record topic) {
    if (auto old = topics_.find(name_key(topic.name)); old != topics_.end()) index_remove(topic_looks_, old->second.name);
    index_add(topic_looks_, topic.name);
    changed_topics_[name_key(topic.name)] = topic.name;
    topics_[name_key(topic.name)] = std::move(topic);
}
void registry::remove_topic(const std::string& name) {
    if (auto it = topics_.find(name_key(name)); it != topics_.end()) {
        index_remove(topic_looks_, it->second.name);
        changed_topics_[it->first] = it->second.name;
        topics_.erase(it);
    }
    members_.erase(name_key(name));
}
bool registry::join(const std::string& user, const std::string& topic) {
    auto it = users_.find(name_key(user));
    const topic_record* t = find_topic(topic);
    if (it == users_.end() || !t) return false;
    auto& topics = it->second.topics;
    if (std::find(topics.begin(), topics.end(), t->name) != topics.end()) return false;
    topics.push_back(t->name);
    members_[name_key(t->name)].push_back(it->second.name);
    changed_users_[it->first] = it->second.name;
    return true;
}
bool registry::leave(const std::string& user, const std::string& topic) {
    auto it = users_.find(name_key(user));
    if (it == users_.end()) return false;
    auto& topics = it->second.topics;
    auto found = std::find_if(topics.begin(), topics.end(), [&](const std::string& t) { return name_key(t) == name_key(topic); });
    if (found == topics.end()) return false;
    auto& list = members_[name_key(*found)];
    list.erase(std::remove(list.begin(), list.end(), it->second.name), list.end());
    topics.erase(found);
    changed_users_[it->first] = it->second.name;
    return true;
}
std::vector<std::string> registry::members(const std::string& topic) const {
    auto it = members_.find(name_key(topic));
    return it == members_.end() ? std::vector<std::string>{} : it->second;
}
registry_copy registry::copy() const {
    registry_copy out;
    for (const auto& [key, user] : users_) out.users.push_back(user);
    for (const auto& [key, topic] : topics_) out.topics.push_back(topic);
    return out;
}

registry_change registry::take_changes() {
    registry_change change;
    for (const auto& [key, name] : changed_users_) {
        if (auto it = users_.find(key); it != users_.end()) change.users.push_back(it->second);
        else change.removed_users.push_back(name);
    }
    for (const auto& [key, name] : changed_topics_) {
        if (auto it = topics_.find(key); it != topics_.end()) change.topics.push_back(it->second);
        else change.removed_topics.push_back(name);
    }
    changed_users_.clear();
    changed_topics_.clear();
    return change;
}

void registry::set_online(const std::string& name, bool online) { online_[name] = online; }
bool registry::online(const std::string& name) const {
    auto it = online_.find(name);
    return it != online_.end() && it->second;
}

std::vector<std::string> registry::online_users() const {
    std::vector<std::string> names;
    for (const auto& [name, online] : online_)
        if (online) names.push_back(name);
    return names;
}

}  // namespace papo
