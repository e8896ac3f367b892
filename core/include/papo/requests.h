#pragma once
// Requests to papo-server and their answers' data, one struct per command with its
// JSON beside it (topics-schema/request.schema.json, response.schema.json).
// A request type names its command and its answer type:
//     requests::users_info{"bob"}  ->  answers::user_info
// rpc_client::ask (rpc.h) sends one and returns the typed answer; papo-server's
// handlers (server/) take them. Reading a request throws papo::error of kind
// bad_request for a missing field or a field of the wrong type.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "papo/messages.h"

#include <nlohmann/json.hpp>

namespace papo {

namespace answers {

struct added {  // users.add, queues.add
    std::string name;
    bool is_queue = false;  // "kind": "user" | "queue"
    std::string created_at;
};
struct named {  // users.rm, users.passwd, users.password, queues.rm, topics.add, topics.rm
    std::string name;
};
struct user_row {  // users.ls: users only, not named queues
    std::string name;
    bool online = false;
    std::string created_at;
    std::vector<std::string> topics;
};
struct user_info {
    std::string name;
    bool is_queue = false;
    bool online = false;
    std::vector<std::string> topics;
};
struct pending {
    std::string name;
    std::vector<std::string> ids;
};
struct confirmed {
    std::string name;
    std::size_t confirmed = 0;
};
struct replayed {  // users.replay
    std::string name;
    std::size_t replayed = 0;
};
struct topic_row {  // topics.ls
    std::string name;
    std::size_t members = 0;
    std::string created_at;
};
struct topic_info {
    std::string name;
    std::vector<std::string> members;
};
struct history_post {  // one post of topics.history
    std::string from;
    chat_message message;
};
struct history {  // topics.history: the newest posts, oldest first
    std::string name;
    std::vector<history_post> posts;
};
struct membership {  // topics.join, topics.leave
    std::string name;
    bool changed = false;
    // topics.join only, when papo-server saw every post of the topic: each sender's
    // highest post number, keyed numbering_key::sender_text() ("<sender>[/<series>]").
    std::optional<std::map<std::string, std::uint64_t>> numbers;
};
struct queue_row {  // queues.ls
    std::string name;
    bool is_queue = false;
    bool online = false;
    std::size_t messages = 0;
};
struct purged {
    std::string name;
    std::size_t purged = 0;
};

void to_json(nlohmann::json& j, const added& a);
void from_json(const nlohmann::json& j, added& a);
void to_json(nlohmann::json& j, const named& a);
void from_json(const nlohmann::json& j, named& a);
void to_json(nlohmann::json& j, const user_row& a);
void from_json(const nlohmann::json& j, user_row& a);
void to_json(nlohmann::json& j, const user_info& a);
void from_json(const nlohmann::json& j, user_info& a);
void to_json(nlohmann::json& j, const pending& a);
void from_json(const nlohmann::json& j, pending& a);
void to_json(nlohmann::json& j, const confirmed& a);
void from_json(const nlohmann::json& j, confirmed& a);
void to_json(nlohmann::json& j, const topic_row& a);
void from_json(const nlohmann::json& j, topic_row& a);
void to_json(nlohmann::json& j, const topic_info& a);
void to_json(nlohmann::json& j, const replayed& a);
void from_json(const nlohmann::json& j, replayed& a);
void to_json(nlohmann::json& j, const history_post& a);
void from_json(const nlohmann::json& j, history_post& a);
void to_json(nlohmann::json& j, const history& a);
void from_json(const nlohmann::json& j, history& a);
void from_json(const nlohmann::json& j, topic_info& a);
void to_json(nlohmann::json& j, const membership& a);
void from_json(const nlohmann::json& j, membership& a);
void to_json(nlohmann::json& j, const queue_row& a);
void from_json(const nlohmann::json& j, queue_row& a);
void to_json(nlohmann::json& j, const purged& a);
void from_json(const nlohmann::json& j, purged& a);

}  // namespace answers

namespace requests {

// Who may ask a command: papo-server checks it before anything else.
enum class asker {
    anyone,      // any registered user or papo- service name
    registered,  // a registered user or named queue, about itself
    manager,     // papo-admin only
};

// Requests with just a name, and those with a name and a new password.
struct name_request {
    std::string name;
};
struct account_request {
    std::string name;
    std::string password;
};
struct no_arguments {};
// users.password: a user's new password for its own account (the asker's; `papo passwd`).
struct password_request {
    std::string password;
};

#define PAPO_REQUEST(type, base, text, who, answer_type)        \
    struct type : base {                                         \
        static constexpr const char* command = text;             \
        static constexpr requests::asker may_ask = asker::who;   \
        using answer = answer_type;                              \
    }

PAPO_REQUEST(users_add, account_request, "users.add", manager, answers::added);
PAPO_REQUEST(users_passwd, account_request, "users.passwd", manager, answers::named);
PAPO_REQUEST(users_password, password_request, "users.password", registered, answers::named);
PAPO_REQUEST(users_rm, name_request, "users.rm", manager, answers::named);
PAPO_REQUEST(users_ls, no_arguments, "users.ls", anyone, std::vector<answers::user_row>);
PAPO_REQUEST(users_info, name_request, "users.info", anyone, answers::user_info);
PAPO_REQUEST(users_pending, no_arguments, "users.pending", registered, answers::pending);
PAPO_REQUEST(topics_add, name_request, "topics.add", manager, answers::named);
PAPO_REQUEST(topics_rm, name_request, "topics.rm", manager, answers::named);
PAPO_REQUEST(topics_ls, no_arguments, "topics.ls", anyone, std::vector<answers::topic_row>);
PAPO_REQUEST(topics_info, name_request, "topics.info", anyone, answers::topic_info);
PAPO_REQUEST(topics_join, name_request, "topics.join", registered, answers::membership);
PAPO_REQUEST(topics_leave, name_request, "topics.leave", registered, answers::membership);
PAPO_REQUEST(queues_add, account_request, "queues.add", manager, answers::added);
PAPO_REQUEST(queues_rm, name_request, "queues.rm", manager, answers::named);
PAPO_REQUEST(queues_ls, no_arguments, "queues.ls", manager, std::vector<answers::queue_row>);
PAPO_REQUEST(queues_purge, name_request, "queues.purge", manager, answers::purged);
#undef PAPO_REQUEST

// topics.history: the newest posts of a topic, for its members only. `limit` at most
// max_limit; papo-server keeps its --history (default 50) per topic.
struct topics_history {
    static constexpr const char* command = "topics.history";
    static constexpr asker may_ask = asker::registered;
    static constexpr std::size_t max_limit = 1000;
    using answer = answers::history;
    std::string name;
    std::optional<std::size_t> limit;
};

// users.confirm: a reader confirms ids it has already shown (a receipt a crash lost).
struct users_confirm {
    static constexpr const char* command = "users.confirm";
    static constexpr asker may_ask = asker::registered;
    static constexpr std::size_t max_ids = 1000;
    using answer = answers::confirmed;
    std::vector<std::string> ids;
};

// users.replay: the reader is missing messages papo-server counts as waiting for it (its
// last reader was killed after taking them from the broker): papo-server publishes them
// again from its store.
struct users_replay {
    static constexpr const char* command = "users.replay";
    static constexpr asker may_ask = asker::registered;
    static constexpr std::size_t max_ids = 1000;
    using answer = answers::replayed;
    std::vector<std::string> ids;
};

// Arguments only: the command is added by the caller (rpc) or was read already (server).
void to_json(nlohmann::json& j, const name_request& r);
void from_json(const nlohmann::json& j, name_request& r);
void to_json(nlohmann::json& j, const account_request& r);
void from_json(const nlohmann::json& j, account_request& r);
void to_json(nlohmann::json& j, const no_arguments& r);
void from_json(const nlohmann::json& j, no_arguments& r);
void to_json(nlohmann::json& j, const password_request& r);
void from_json(const nlohmann::json& j, password_request& r);
void to_json(nlohmann::json& j, const users_confirm& r);
void to_json(nlohmann::json& j, const topics_history& r);
void to_json(nlohmann::json& j, const users_replay& r);
void from_json(const nlohmann::json& j, users_replay& r);
void from_json(const nlohmann::json& j, topics_history& r);
void from_json(const nlohmann::json& j, users_confirm& r);

}  // namespace requests
}  // namespace papo
