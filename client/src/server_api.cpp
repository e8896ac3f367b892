#include "papo/client/server_api.h"

#include <algorithm>

namespace papo {

// Every request is typed (papo/requests.h); a refusal comes as papo::error with the
// kind of the answer's code.
user_info server_api::user(const std::string& name) {
    auto info = rpc_.ask(requests::users_info{{name}}, timeout_);
    return {std::move(info.name), std::move(info.topics)};
}

std::vector<user_entry> server_api::users(nlohmann::json* raw) {
    const auto rows = rpc_.ask(requests::users_ls{}, timeout_);
    std::vector<user_entry> out;
    for (const auto& row : rows) out.push_back({row.name, row.online});
    if (raw) *raw = rows;
    return out;
}

std::vector<std::string> server_api::pending() { return rpc_.ask(requests::users_pending{}, timeout_).ids; }

void server_api::confirm(const std::vector<std::string>& ids) {
    const std::size_t batch = requests::users_confirm::max_ids;
    for (std::size_t start = 0; start < ids.size(); start += batch) {
        const auto end = ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + batch));
        rpc_.ask(requests::users_confirm{{ids.begin() + static_cast<std::ptrdiff_t>(start), end}}, timeout_);
    }
}

std::size_t server_api::replay(const std::vector<std::string>& ids) {
    std::size_t replayed = 0;
    const std::size_t batch = requests::users_replay::max_ids;
    for (std::size_t start = 0; start < ids.size(); start += batch) {
        const auto end = ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + batch));
        replayed += rpc_.ask(requests::users_replay{{ids.begin() + static_cast<std::ptrdiff_t>(start), end}}, timeout_).replayed;
    }
    return replayed;
}

topic_info server_api::topic(const std::string& name) {
    auto info = rpc_.ask(requests::topics_info{{name}}, timeout_);
    return {std::move(info.name), std::move(info.members)};
}

std::vector<topic_entry> server_api::topics(nlohmann::json* raw) {
    const auto rows = rpc_.ask(requests::topics_ls{}, timeout_);
    std::vector<topic_entry> out;
    for (const auto& row : rows) out.push_back({row.name, static_cast<int>(row.members)});
    if (raw) *raw = rows;
    return out;
}

answers::history server_api::history(const std::string& topic, std::size_t limit) {
    requests::topics_history request;
    request.name = topic;
    if (limit) request.limit = limit;
    return rpc_.ask(request, timeout_);
}

membership_change server_api::join(const std::string& topic) {
    const auto answer = rpc_.ask(requests::topics_join{{topic}}, timeout_);
    return {answer.name, answer.changed, answer.numbers ? nlohmann::json(*answer.numbers) : nlohmann::json()};
}

membership_change server_api::leave(const std::string& topic) {
    const auto answer = rpc_.ask(requests::topics_leave{{topic}}, timeout_);
    return {answer.name, answer.changed, nlohmann::json()};
}

}  // namespace papo
