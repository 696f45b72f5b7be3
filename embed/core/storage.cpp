#include "embed/core/storage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "embed/core/buffer_cache.h"
#include "embed/core/error.h"

namespace embed {

namespace {

constexpr std::size_t kAlign = 64;           // a cache line; AVX-512 loads stay aligned
constexpr std::size_t kMinCached = 1 << 20;  // smaller blocks are cheap for malloc

}  // namespace

std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes, bool zero_fill) {
  const std::size_t rounded = (std::max<std::size_t>(nbytes, 1) + kAlign - 1) / kAlign * kAlign;
  const bool cached = rounded >= kMinCached;
  void* p = cached ? tensor_buffer_cache().allocate(rounded) : std::aligned_alloc(kAlign, rounded);
  if (p == nullptr) throw std::bad_alloc();
  if (zero_fill) std::memset(p, 0, rounded);
  std::shared_ptr<void> owner(p, [rounded, cached](void* q) {
    if (cached)
      tensor_buffer_cache().deallocate(q, rounded);
    else
      std::free(q);
  });
  return std::shared_ptr<Storage>(new Storage(p, nbytes, std::move(owner)));
}

std::shared_ptr<Storage> Storage::borrow(void* data, std::size_t nbytes, std::shared_ptr<void> owner) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(owner)));
}

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw IoError(fmt::format("cannot stat '{}': {}", path, std::strerror(err)));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    // Private and writable: tensors on the map are copy-on-write, never the file.
    data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw IoError(fmt::format("cannot mmap '{}': {}", path, std::strerror(err)));
    }
  }
  ::close(fd);  // the mapping stays valid without the descriptor
  return std::shared_ptr<MappedFile>(new MappedFile(data, size, path));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace embed
