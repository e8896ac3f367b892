// papo who: users and presence. Sends nothing again (that is for commands that send or read).
// You are online while you ask (your presence is announced only by `read` and the chat):
// your own line says so and is marked "(you)".
#include "../context.h"

#include "papo/client/table.h"

#include <iostream>

namespace papo::cli {

int list_users(const context& c) {
    printed_events events(c);
    user_client client(c.client, events);
    nlohmann::json raw;
    const auto users = client.users(&raw);
    if (c.json) {
        for (auto& row : raw)
            if (row.is_object() && row.value("name", "") == client.me()) row["online"] = true, row["you"] = true;
        std::cout << raw.dump() << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : users)
        rows.push_back({u.name, u.name == client.me() ? "online (you)" : u.online ? "online" : "offline"});
    std::cout << (rows.empty() ? "(no users)\n" : format_table({"USER", "PRESENCE"}, rows));
    return 0;
}

}  // namespace papo::cli
