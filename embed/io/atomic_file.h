// Whole-file writes that either fully happen or leave the old file untouched:
// write to a temporary file in the same directory, fsync, rename over.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace embed {

// Calls write(fd) to fill a temporary file, then renames it to `path`.
// On any failure (including an exception from `write`) the temporary file is
// removed and `path` keeps its previous contents. Throws IoError.
void write_file_atomic(const std::string& path, const std::function<void(int fd)>& write);
// Writes all of `bytes` to fd, retrying short writes; throws IoError naming `path`.
void write_all(int fd, const void* bytes, std::size_t n, const std::string& path);
// Reads a whole file (for small files such as JSON configs).
std::string read_file(const std::string& path);

}  // namespace embed
