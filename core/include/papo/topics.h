#pragma once
// The MQTT topic tree, built and parsed in exactly this one place.
// topics-schema/topics.md documents every topic below; keep the two in step.
#include <optional>
#include <string>
#include <string_view>

namespace papo::topics {

// users/<to>/inbox/<from>: a direct message; the sender is the last level.
std::string inbox(std::string_view to, std::string_view from);
std::string inbox_filter(std::string_view to);  // users/<to>/inbox/+
inline constexpr const char* all_inboxes = "users/+/inbox/+";

// topics/<topic>/<from>: a post to a chat topic; the sender is the last level.
std::string post(std::string_view topic, std::string_view from);
std::string post_filter(std::string_view topic);  // topics/<topic>/+
inline constexpr const char* all_posts = "topics/+/+";

// users/<sender>/receipts/<reader>: the reader has taken these messages of the sender's.
std::string receipt(std::string_view sender, std::string_view reader);
std::string receipt_filter(std::string_view sender);  // users/<sender>/receipts/+
inline constexpr const char* all_receipts = "users/+/receipts/+";

// presence/<name>: retained online/offline status, set by the user's own session.
std::string presence(std::string_view name);
inline constexpr const char* all_presence = "presence/+";

// Retained registry, written only by papo-server.
std::string registry_user(std::string_view name);
std::string registry_topic(std::string_view topic);
std::string registry_queue(std::string_view queue);
inline constexpr const char* registry_all = "registry/#";

// broker/epoch (retained): papo_guard's new value at each broker start (broker_epoch).
inline constexpr const char* broker_epoch = "broker/epoch";

// server/v1/status (retained): papo-server says it is serving, and its will says it
// stopped (server_status), so that askers are told at once instead of at their timeout.
inline constexpr const char* server_status = "server/v1/status";

// Request/response with papo-server (MQTT v5 response topic + correlation data).
std::string request(std::string_view from);                            // server/v1/request/<from>
std::string response(std::string_view from, std::string_view nonce);   // server/v1/response/<from>/<nonce>
inline constexpr const char* all_requests = "server/v1/request/+";
// papo-server publishes here to itself as a barrier after loading the retained registry.
std::string sync_marker(std::string_view nonce);

// Filters and patterns for the broker's access rules (papo-server grants them; the
// papo_guard plugin ties the name levels to the login).
inline constexpr const char* all_user_subtrees = "users/+/#";      // own inbox and receipts
inline constexpr const char* all_responses = "server/v1/response/+/#";
inline constexpr const char* all_registry_users = "registry/users/+";
inline constexpr const char* all_registry_topics = "registry/topics/+";
std::string response_filter(std::string_view from);  // server/v1/response/<from>/#
// Whether papo-server may answer `from` on `response_topic`: only under
// server/v1/response/<from>/ (one level or more, no wildcards), so that nobody can make
// papo-server publish, with its rights, into someone else's part of the tree.
bool is_response_topic_of(std::string_view response_topic, std::string_view from);

// A topic parsed back into its parts. Each field means one thing whatever the kind.
struct route {
    enum class kind { inbox, post, receipt, presence, request, registry_user, registry_topic, registry_queue, epoch };
    kind type;
    // Whose part of the tree it is: inbox: the recipient; receipt: the sender of the
    // messages read; presence, registry_user, registry_queue: that name. Else empty.
    std::string user;
    std::string topic;  // post, registry_topic: the chat topic; else empty
    // The one allowed to publish it, the last level: inbox, post: the sender;
    // receipt: the reader; presence: the user; request: the asker. Else empty.
    std::string from;
};

// Parses any topic above; nullopt for a topic that is not part of the tree
// (including one whose name levels are invalid).
std::optional<route> parse(std::string_view topic);

}  // namespace papo::topics
