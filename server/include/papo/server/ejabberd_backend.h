#pragma once
// broker_backend for ejabberd 23.01's mod_mqtt (a clustered MQTT 5 broker; issue 16):
// accounts through its HTTP API (mod_http_api, as the papo-api account), queues as
// persistent sessions. Topic rights are global patterns in ejabberd.yml
// (scripts/ejabberd/ejabberd.yml.in), so granting and revoking a topic does nothing here.
// ejabberd keys a session by (account, client id): only a login as the user itself
// reaches the user's session. So papo-server wipes a queue (mod_papo's
// mqtt_remove_sessions) but does not make it: the user's first login does, and until
// then, or after a node that held it died, papo-server's store keeps what waits.
#include "papo/server/broker_backend.h"

#include <string>
#include <vector>

namespace papo {

struct ejabberd_api {
    std::string url;       // http://127.0.0.1:PORT/api
    std::string user;      // papo-api@HOST (HTTP Basic needs the full form)
    std::string password;
    std::string host;      // the virtual host accounts live in (papo.localhost)
};

class ejabberd_backend : public broker_backend {
public:
    // other_urls: the other nodes' APIs, tried in turn when `api.url` cannot be reached.
    explicit ejabberd_backend(ejabberd_api api, std::vector<std::string> other_urls = {});
    ~ejabberd_backend() override;

    void create_account(const std::string& name, const std::string& password, bool is_queue) override;
    void delete_account(const std::string& name) override;
    void set_password(const std::string& name, const std::string& password) override;
    void grant_topics(const std::vector<std::string>&) override {}
    void revoke_topic(const std::string&) override {}
    void open_queue(const std::string& name, const queue_subscriptions& subscriptions) override;
    // Without the user's password papo-server cannot reach the session: nothing is taken,
    // and a reader that finds its session gone subscribes again and asks for users.replay.
    std::vector<inbound> repair_queue(const std::string& name, const queue_subscriptions& subscriptions,
                                      const std::vector<std::string>& dropped) override;
    void wipe_queue(const std::string& name) override;
    // A node that dies takes its sessions' wills along (mod_papo's mqtt_without_session).
    bool loses_wills() const override { return true; }
    std::vector<std::string> without_session(const std::vector<std::string>& users) const override;
    // mod_mqtt_mnesia's find_subscriber asks every node and crashes the publisher's session
    // when one is down (a badmatch) or starting (badrpc): PLATFORM-NOTES.
    bool publishing_ends_sessions() const override { return true; }

private:
    // One API call: POST url/command with `body`; returns the HTTP status and fills `answer`.
    // A node that cannot be reached is skipped for the next (the nodes share the accounts).
    long call(const std::string& command, const std::string& body, std::string& answer) const;
    void require(const std::string& command, const std::string& body, bool result_code = false) const;
    ejabberd_api api_;
    std::vector<std::string> other_urls_;
};

}  // namespace papo
