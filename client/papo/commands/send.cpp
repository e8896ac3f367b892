// papo send TO TEXT: a DM; queued in the outbox when papo-server or the broker is away.
#include "../context.h"

namespace papo::cli {

int send_direct(const context& c, const std::string& to, const std::string& text) {
    printed_events events(c);
    return print_send_result(c, send_once(c.client, to, text, events));
}

}  // namespace papo::cli
