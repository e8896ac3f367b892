#pragma once
// Everything papo-server asks of the broker beyond publishing: its account system
// (accounts, passwords, who may post to a topic) and the users' queues (persistent
// sessions). One interface, so the request logic knows no broker's dialect;
// mosquitto_backend.h is the implementation for Mosquitto's dynamic-security plugin.
// Every call is idempotent in intent (deleting what is gone, granting what is
// granted succeeds) and throws papo::error when the broker does not carry it out.
#include "papo/server/server_core.h"
#include "papo/session.h"

#include <string>
#include <vector>

namespace papo {

class broker_backend {
public:
    virtual ~broker_backend() = default;

    // What every account relies on (roles) exists; called once before serving.
    virtual void prepare() {}
    // A login for a user, or for a named queue (fewer rights: broker_security.h); an
    // account of that name left by an interrupted removal is replaced, never kept.
    virtual void create_account(const std::string& name, const std::string& password, bool is_queue) = 0;
    // Removes the login and closes its live connections.
    virtual void delete_account(const std::string& name) = 0;
    virtual void set_password(const std::string& name, const std::string& password) = 0;
    // Members may post to topics/<topic>/<own name> and subscribe topics/<topic>/+.
    virtual void grant_topics(const std::vector<std::string>& topics) = 0;
    virtual void revoke_topic(const std::string& topic) = 0;

    // A new, empty persistent session for `name` (what an earlier one held is wiped).
    virtual void open_queue(const std::string& name, const queue_subscriptions& subscriptions) = 0;
    // The session subscribed as given and no longer to `dropped`, keeping the messages it
    // holds; made if the broker lost it. Connecting to the session takes from it what it
    // holds (Paho acknowledges QoS 1 on receipt): those messages are returned, for the
    // caller to keep and publish again.
    virtual std::vector<inbound> repair_queue(const std::string& name, const queue_subscriptions& subscriptions,
                                              const std::vector<std::string>& dropped) = 0;
    // Ends the session and the messages it holds.
    virtual void wipe_queue(const std::string& name) = 0;

    // After the broker came back from a restart: what the backend keeps per connection
    // (subscriptions of clean sessions) must be set up again.
    virtual void reconnected() {}

    // Whether the broker can lose wills: a node of a cluster that dies takes the wills of
    // everyone connected to it along (Mosquitto sends every will it holds, so: no).
    virtual bool loses_wills() const { return false; }
    // Those of `users` who have no live connection or session at the broker (only asked
    // when loses_wills(); may be called from another thread).
    virtual std::vector<std::string> without_session(const std::vector<std::string>&) const { return {}; }
    // Whether papo-server's watching session must not publish: ejabberd 23.01 ends the
    // session of a client that publishes while a node leaves or joins the cluster, and
    // the session, its subscriptions and what waits in it are gone with it.
    virtual bool publishing_ends_sessions() const { return false; }

    // Carries out one of a plan's actions, except publish_retained (the runner's); returns
    // the messages a repair_queue took from the session.
    std::vector<inbound> carry_out(const server_action& action);
};

}  // namespace papo
