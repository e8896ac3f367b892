#include "papo/server/broker_backend.h"

namespace papo {

std::vector<inbound> broker_backend::carry_out(const server_action& a) {
    using k = server_action::kind;
    switch (a.type) {
        case k::create_account: create_account(a.name, a.password, a.is_queue); break;
        case k::delete_account: delete_account(a.name); break;
        case k::set_password: set_password(a.name, a.password); break;
        case k::grant_topic: grant_topics({a.topic}); break;
        case k::revoke_topic: revoke_topic(a.topic); break;
        case k::open_queue: open_queue(a.name, a.subscriptions); break;
        case k::wipe_queue: wipe_queue(a.name); break;
        case k::repair_queue: return repair_queue(a.name, a.subscriptions, a.dropped);
        case k::publish_retained: break;  // the runner's own session publishes
    }
    return {};
}

}  // namespace papo
