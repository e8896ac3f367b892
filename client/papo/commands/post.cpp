// papo post TOPIC TEXT: to every member; queued like a DM when papo-server or the broker is away.
#include "../context.h"

namespace papo::cli {

int post_to_topic(const context& c, const std::string& topic, const std::string& text) {
    printed_events events(c);
    return print_send_result(c, post_once(c.client, topic, text, events));
}

}  // namespace papo::cli
