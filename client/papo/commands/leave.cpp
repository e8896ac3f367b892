// papo leave TOPIC
#include "../context.h"

#include "papo/render.h"

#include <iostream>

namespace papo::cli {

int leave_topic(const context& c, const std::string& topic) {
    printed_events events(c);
    user_client client(c.client, events);
    client.resend_unconfirmed();
    membership_change left;
    {
        queue_for_a_moment queue(client);
        left = client.leave(topic, queue.queue(), queue.keeper());
    }
    if (c.json) std::cout << nlohmann::json{{"left", left.name}, {"was_member", left.changed}}.dump() << "\n";
    else std::cout << (left.changed ? "left #" : "you were not in #") << safe_text(left.name) << "\n";
    return 0;
}

}  // namespace papo::cli
