#include "papo_output.h"

#include <sstream>

namespace papo::test {

std::vector<nlohmann::json> messages_in(const std::string& json_lines) {
    std::vector<nlohmann::json> messages;
    std::istringstream lines(json_lines);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line[0] == '{') {
            auto j = nlohmann::json::parse(line);
            if (j.value("kind", "") == "dm" || j.value("kind", "") == "post") messages.push_back(std::move(j));
        }
    return messages;
}

}  // namespace papo::test
