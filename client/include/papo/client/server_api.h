#pragma once
// papo-server's requests as the user's side uses them: one method per request, the
// parts of the typed answers (papo/requests.h) that the client needs. Refusals are
// papo::error with the kind of the answer's code (no_such_user, no_such_topic, ...);
// no_answer / connection_lost when papo-server or the broker is away.
#include "papo/rpc.h"

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace papo {

struct user_info {  // users.info
    std::string name;                 // the registered spelling
    std::vector<std::string> topics;  // the topics joined
};
struct user_entry {  // one of users.ls
    std::string name;
    bool online = false;
};
struct topic_info {  // topics.info
    std::string name;
    std::vector<std::string> members;
};
struct topic_entry {  // one of topics.ls
    std::string name;
    int members = 0;
};
struct membership_change {  // topics.join / topics.leave
    std::string name;
    bool changed = false;  // join: was not a member; leave: was one
    nlohmann::json numbers;  // join: "<sender>[/<series>]" -> highest post number
};

class server_api {
public:
    server_api(rpc_client& rpc, std::chrono::milliseconds timeout) : rpc_(rpc), timeout_(timeout) {}

    user_info user(const std::string& name);
    // users.ls; `raw` gets the answer as it came (papo who --json prints it).
    std::vector<user_entry> users(nlohmann::json* raw = nullptr);
    // The ids papo-server counts as waiting for the asker.
    std::vector<std::string> pending();
    // Tells papo-server these ids were shown (in batches of 1000).
    void confirm(const std::vector<std::string>& ids);
    // Asks papo-server to publish these waiting ids again (in batches of 1000); how many it did.
    std::size_t replay(const std::vector<std::string>& ids);
    topic_info topic(const std::string& name);
    std::vector<topic_entry> topics(nlohmann::json* raw = nullptr);
    membership_change join(const std::string& topic);
    membership_change leave(const std::string& topic);
    // topics.history: the newest posts of a topic (members only), oldest first; limit 0:
    // papo-server's own number.
    answers::history history(const std::string& topic, std::size_t limit = 0);

    rpc_client& rpc() { return rpc_; }

private:
    rpc_client& rpc_;
    std::chrono::milliseconds timeout_;
};

}  // namespace papo
