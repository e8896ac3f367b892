// papo read [--wait SECONDS]
#include "../context.h"

namespace papo::cli {

int read_messages(const context& c) {
    stop_gracefully_on_signals();
    printed_events events(c);
    user_client client(c.client, events);
    read_options options;
    options.wait = std::chrono::milliseconds(static_cast<long>(c.wait_seconds * 1000));
    options.stop = [] { return stop_signal_received() != 0; };
    const auto result = papo::read_messages(client, options);
    return result.stopped ? stopped_by_signal() : 0;
}

}  // namespace papo::cli
