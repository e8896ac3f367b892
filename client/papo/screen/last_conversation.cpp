#include "last_conversation.h"

#include "papo/state_file.h"

#include <fstream>

namespace papo::tui {
namespace {
std::string file_of(const std::string& state_dir) { return state_dir + "/screen-last"; }
}  // namespace

std::optional<conversation_id> read_last_conversation(const std::string& state_dir) {
    if (state_dir.empty()) return std::nullopt;
    std::ifstream in(file_of(state_dir));
    std::string key;
    if (!std::getline(in, key)) return std::nullopt;
    return conversation_id::from_key(key);
}

bool write_last_conversation(const std::string& state_dir, const conversation_id& id) {
    if (state_dir.empty()) return false;
    return replace_file(file_of(state_dir), id.key() + "\n");
}

}  // namespace papo::tui
