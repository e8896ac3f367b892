#pragma once
// What both chats ask of papo_client for their commands: the names Tab completes, and
// the lines /history and /search show from the local history.
#include "chat_commands.h"

#include "papo/client/user_client.h"

#include <string>
#include <vector>

namespace papo::cli {

// papo-server's users and topics (none when it does not answer), the joined topics and
// the local history's conversations.
known_names learn_names(user_client& client, const std::vector<std::string>& joined);

// /history: the conversation's ("bob", "#lobby") last `limit` messages, each marked
// (history); none when there is no local history.
std::vector<std::string> recent_lines(user_client& client, const std::string& conversation, std::size_t limit, const text_style& style);

// /search: a count line, then up to `limit` matches. Throws papo::error without a
// local history.
std::vector<std::string> search_lines(user_client& client, const std::string& words, std::size_t limit, const text_style& style);

}  // namespace papo::cli
