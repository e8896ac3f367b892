#pragma once
// Rewriting one of papo's own state files (seen ids, numbers, held messages, outbox)
// without ever leaving half of one behind.
#include <string>

namespace papo {

// Replaces `path` with `text` whole: written beside it, then renamed over it, so a crash
// leaves either the old file or the new one. `durable`: synced to disk before the
// rename. Returns false, keeping the old file, when the new one cannot be written
// (a full disk).
bool replace_file(const std::string& path, const std::string& text, bool durable = false);

}  // namespace papo
