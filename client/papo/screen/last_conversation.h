#pragma once
// The conversation last open in the chat screen, kept in the user's state folder
// (<state>/screen-last: "@bob" or "#dev"), so that papo opens where the user left off.
#include "conversation.h"

#include <optional>
#include <string>

namespace papo::tui {

std::optional<conversation_id> read_last_conversation(const std::string& state_dir);
// False when it could not be written (the screen goes on; it is only a convenience).
bool write_last_conversation(const std::string& state_dir, const conversation_id& id);

}  // namespace papo::tui
