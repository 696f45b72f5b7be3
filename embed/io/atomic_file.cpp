#include "embed/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "embed/core/error.h"

namespace embed {

void write_all(int fd, const void* bytes, std::size_t n, const std::string& path) {
  const auto* p = static_cast<const char*>(bytes);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void write_file_atomic(const std::string& path, const std::function<void(int fd)>& write) {
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw IoError(fmt::format("cannot create a temporary file beside '{}': {}", path, std::strerror(errno)));
  const std::string tmp(name.data());
  try {
    write(fd);
    if (::fsync(fd) != 0) throw IoError(fmt::format("cannot sync '{}': {}", tmp, std::strerror(errno)));
    if (::fchmod(fd, 0644) != 0) throw IoError(fmt::format("cannot chmod '{}': {}", tmp, std::strerror(errno)));
    if (::close(fd) != 0) {
      ::unlink(tmp.c_str());
      throw IoError(fmt::format("cannot close '{}': {}", tmp, std::strerror(errno)));
    }
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err)));
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read '{}'", path));
  return ss.str();
}

}  // namespace embed
