#include "chat_support.h"

#include "papo/error.h"
#include "papo/render.h"
#include "papo/client/history.h"

namespace papo::cli {

known_names learn_names(user_client& client, const std::vector<std::string>& joined) {
    known_names names;
    try {
        for (const auto& u : client.users()) names.users.insert(u.name);
        for (const auto& t : client.topics()) names.topics.insert(t.name);
    } catch (const error&) {
        // papo-server away: Tab offers what the history and our topics know.
    }
    names.topics.insert(joined.begin(), joined.end());
    try {
        if (auto* log = client.local_log()) {
            for (const auto& c : log->conversations()) {
                if (!c.name.empty() && c.name[0] == '#') names.topics.insert(c.name.substr(1));
                else names.users.insert(c.name);
            }
        }
    } catch (const error&) {
    }
    return names;
}

std::vector<std::string> recent_lines(user_client& client, const std::string& conversation, std::size_t limit, const text_style& style) {
    std::vector<std::string> lines;
    if (auto* log = client.local_log())
        for (const auto& e : log->recent(conversation, limit)) lines.push_back(format_history_line(e, style, true));
    return lines;
}

std::vector<std::string> search_lines(user_client& client, const std::string& words, std::size_t limit, const text_style& style) {
    auto* log = client.local_log();
    if (!log) throw error("no local history here");
    history_search query;
    query.words = words;
    query.limit = limit;
    const auto found = log->search(query);
    std::vector<std::string> lines{"(search " + safe_text(words) + ": " + std::to_string(found.size()) + (found.size() == limit ? "+" : "") +
                                   " found)"};
    for (const auto& e : found) lines.push_back(format_history_line(e, style, true));
    return lines;
}

}  // namespace papo::cli
