// papo outbox: what no reader has confirmed yet (sent again first, when due).
#include "../context.h"

#include "papo/render.h"

#include <iostream>

namespace papo::cli {

int show_outbox(const context& c) {
    printed_events events(c);
    user_client client(c.client, events);
    if (client.me().empty()) throw error(error_kind::usage, "say who you are with --user NAME (or PAPO_USER)");
    client.resend_unconfirmed();
    const auto waiting = outbox(c.client.state_dir).pending();
    for (const auto& e : waiting) {
        if (c.json) {
            nlohmann::json j{{"kind", "pending"}, {"id", e.id}, {"text", e.text}, {"sent_at", e.sent_at}};
            if (e.topic.empty()) j["to"] = e.to;
            else j["topic"] = e.topic, j["waiting"] = e.waiting;
            std::cout << j.dump() << "\n";
        } else if (e.topic.empty()) {
            std::cout << "[" << display_time(e.sent_at) << "] to " << safe_text(e.to) << ": " << safe_multiline(e.text)
                      << "  (sent, not yet read)\n";
        } else {
            std::cout << "[" << display_time(e.sent_at) << "] #" << safe_text(e.topic) << ": " << safe_multiline(e.text) << "  (not yet read by "
                      << e.waiting.size() << " member" << (e.waiting.size() == 1 ? "" : "s") << ")\n";
        }
    }
    if (waiting.empty() && !c.json) std::cout << "every message you sent has reached its reader\n";
    return 0;
}

}  // namespace papo::cli
