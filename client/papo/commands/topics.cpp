// papo topics: topics, member counts, which you joined. Sends nothing again.
#include "../context.h"

#include "papo/client/table.h"

#include <iostream>

namespace papo::cli {

int list_topics(const context& c) {
    printed_events events(c);
    user_client client(c.client, events);
    nlohmann::json raw;
    std::set<std::string> mine;
    const auto topics = client.topics(&mine, &raw);
    if (c.json) {
        nlohmann::json out = raw;
        for (auto& t : out) t["joined"] = mine.count(t.at("name").get<std::string>()) > 0;
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : topics) rows.push_back({t.name, std::to_string(t.members), mine.count(t.name) ? "yes" : ""});
    std::cout << (rows.empty() ? "(no topics)\n" : format_table({"TOPIC", "MEMBERS", "JOINED"}, rows));
    return 0;
}

}  // namespace papo::cli
