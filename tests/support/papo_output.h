#pragma once
// What papo prints, read back by tests.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace papo::test {

// The messages (kind dm or post) among the JSON lines `papo read --json` printed; other
// lines (notices, receipts) are skipped, a line that starts with '{' must parse.
std::vector<nlohmann::json> messages_in(const std::string& json_lines);

}  // namespace papo::test
