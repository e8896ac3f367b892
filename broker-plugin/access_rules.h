#pragma once
// papo's identity rules, enforced inside the broker by the papo_guard plugin.
// Mosquitto 2.0.11's dynamic-security plugin grants rights per role but cannot
// substitute the connecting user's name into a topic (no %u / %c), so these rules
// narrow what dynsec grants: a user acts only under its own name. They only ever
// deny or defer; granting stays with dynsec. Pure functions, no broker types.
#include <string_view>

namespace papo::access {

enum class verdict { deny, defer };
enum class action { read, write, subscribe, unsubscribe };

// The client id must be the user's own name (its queue session) or start with
// "<name>~" (its helper connections), so nobody can take over or wipe another
// user's session. `privileged` (papo-server) creates and wipes sessions for
// everyone and may use any client id.
verdict check_client_id(std::string_view username, std::string_view client_id, std::string_view privileged);

// A login with the client id of the user's own queue (client id == username) must
// resume it: clean start (MQTT 5) or clean session (3.1.1), many libraries' default,
// would wipe the messages waiting for the user. Helper ids (<name>~...) may start clean.
verdict check_session(std::string_view username, std::string_view client_id, bool clean_start,
                      std::string_view privileged);

// The topic rules, by `action` on `topic` (a topic name, or a filter for subscribe):
//   users/<me>/...                       only the owner reads or subscribes;
//   users/<to>/inbox/<me>                sent only under the sender's own name;
//   users/<sender>/receipts/<me>         acknowledged only under the reader's own name;
//   topics/<topic>/<me>                  posted only under the poster's own name;
//   presence/<me>, server/v1/request/<me>  written only by <me>;
//   server/v1/response/<me>/...          read only by <me>;
//   topics/<topic>/<me>                  never delivered to <me> (own posts do not come back);
//   broker/...                           written by nobody (papo_guard itself announces broker/epoch).
// A wildcard where a name must be (users/+/..., users/#, #) is not the user's own name.
verdict check_topic(std::string_view username, action what, std::string_view topic, std::string_view privileged);

// Requests to papo-server (server/v1/request/<asker>) carry new passwords (users.add,
// users.passwd, queues.add): only papo-server's main connection, client id == `privileged`
// logged in as `privileged`, gets them delivered. Anyone else, an operator logged in as
// papo-server with another client id included, may subscribe server/v1/# and sees the
// answers, never a request.
verdict check_request_delivery(std::string_view username, std::string_view client_id, std::string_view topic,
                               std::string_view privileged);

}  // namespace papo::access
