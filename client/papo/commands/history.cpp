// papo history [USER | #TOPIC] [--search WORDS] [--since DATE] [--limit N]: the local
// history (papo/client/history.h). Local only: no broker, no papo-server, no password.
#include "../context.h"

#include "papo/client/history.h"
#include "papo/render.h"

#include <iostream>
#include <sys/stat.h>

namespace papo::cli {

int show_history(const context& c, const std::string& conversation) {
    const std::string file = local_history::file_in(c.client.state_dir);
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {  // nothing kept yet: no file made only to say so
        if (!c.json) std::cout << "(no history yet for " << safe_text(c.client.user) << ")\n";
        return 0;
    }
    local_history log(file, c.client.history_days);
    history_search query;
    query.words = c.search_words;
    query.conversation = conversation;
    query.since = c.since;
    query.limit = c.limit;
    const auto found = log.search(query);
    for (const auto& e : found) {
        if (c.json) std::cout << history_json_line(e).dump() << "\n";
        else std::cout << format_history_line(e, c.style) << "\n";
    }
    if (found.empty() && !c.json) std::cout << "(nothing in the history matches)\n";
    return 0;
}

}  // namespace papo::cli
