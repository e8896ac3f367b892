// papo join TOPIC
#include "../context.h"

#include "papo/render.h"

#include <iostream>

namespace papo::cli {

int join_topic(const context& c, const std::string& topic) {
    printed_events events(c);
    user_client client(c.client, events);
    client.resend_unconfirmed();
    const std::string name = client.server().topic(topic).name;  // no such topic: the queue stays closed
    membership_change joined;
    {
        queue_for_a_moment queue(client);
        joined = client.join(name, queue.queue(), queue.keeper());
    }
    if (c.json) std::cout << nlohmann::json{{"joined", joined.name}}.dump() << "\n";
    else std::cout << "joined #" << safe_text(joined.name) << "\n";
    // What was said before: the topic's last posts, marked as history.
    try {
        for (const auto& post : client.history(joined.name)) {
            client.record(post);
            if (c.json) std::cout << to_json_line(post).dump() << "\n";
            else std::cout << format_for_people(post, c.style) << "\n";
        }
    } catch (const error& e) {
        std::cerr << "papo: joined, but no history: " << safe_text(e.what()) << "\n";
    }
    return 0;
}

}  // namespace papo::cli
