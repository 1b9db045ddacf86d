#pragma once
// Files only their owner may read or change, whatever the umask: the state directory holds the
// HAProxy configuration the deploying user loads, the release history and the locks, and
// another local user must not be able to edit them. Files are created 0600 (never wider, even
// for a moment), directories 0700.

#include <string>
#include <string_view>

namespace slipway::core {

// Creates `dir` and any missing parent, and sets `dir` (and each directory it created) to
// 0700. Throws SystemError naming the directory when it cannot.
void create_private_directories(const std::string& dir);

// Opens `path` with `flags` (O_CREAT among them to create it) as 0600, and sets 0600 on it
// whatever the umask. Returns the descriptor, or -1 with errno set.
int open_private(const std::string& path, int flags);

// Replaces `path` by a 0600 file holding `text`: written beside it, fsynced, renamed over it,
// and the directory fsynced, so a reader (or the next command after a crash) sees the old or
// the new content, never a part. Throws SystemError naming the file.
void write_private_file(const std::string& path, std::string_view text);

// Appends `text` to `path`, creating it 0600. Throws SystemError naming the file.
void append_private_file(const std::string& path, std::string_view text);

// Sets `path` to 0600. Throws SystemError naming the file.
void make_private(const std::string& path);

}  // namespace slipway::core
