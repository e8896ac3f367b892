#pragma once
// Rewriting one of papo's own state files (seen ids, numbers, held messages, outbox,
// papo-server's registry) without ever leaving half of one behind. The one safe-write
// helper: every whole-file rewrite goes through replace_file.
#include <string>

namespace papo {

// Replaces `path` with `text` whole: written beside it under a name of its own (so two
// processes rewriting the same file never write into one temporary file), retrying
// short writes, synced to disk, renamed over `path`, and the folder synced so the
// rename itself survives a power cut. A crash leaves either the old file or the new
// one. Returns false, keeping the old file, when the new one cannot be written (a full
// disk). `durable` is kept for callers of the older signature: every rewrite is now
// synced.
bool replace_file(const std::string& path, const std::string& text, bool durable = true);

// Writes all of `text` to `fd`, retrying short writes and EINTR; false (errno set,
// ENOSPC when the disk took nothing) when it could not.
bool write_all(int fd, const std::string& text);

// fsyncs the folder holding `path`, so a rename or a new file in it is on disk.
bool sync_folder_of(const std::string& path);

}  // namespace papo
