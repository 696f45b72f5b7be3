// The bytes behind one or more tensors. Either an owned, 64-byte aligned heap
// buffer or a window into memory someone else owns (a memory-mapped file), kept
// alive by a shared owner handle. Shared between views through shared_ptr.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "embed/core/buffer_cache.h"

namespace embed {

class Storage {
 public:
  // Owned buffer of `nbytes`, 64-byte aligned; zero-filled unless zero_fill is false (then every byte
  // must be written before it is read: Tensor::empty).
  static std::shared_ptr<Storage> allocate(std::size_t nbytes, bool zero_fill = true);
  // Borrowed window [data, data + nbytes) kept valid while `owner` lives.
  static std::shared_ptr<Storage> borrow(void* data, std::size_t nbytes, std::shared_ptr<void> owner);

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  Storage(void* data, std::size_t nbytes, std::shared_ptr<void> owner)
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {}
  void* data_;
  std::size_t nbytes_;
  std::shared_ptr<void> owner_;
};

// Large owned buffers (≥ 1 MiB) are recycled through tensor_buffer_cache()
// (buffer_cache.h; release_cached_buffers() frees what it holds).

// A read-only memory map of a whole file; unmapped when the last holder goes.
class MappedFile {
 public:
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return static_cast<const unsigned char*>(data_); }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(void* data, std::size_t size, std::string path) : data_(data), size_(size), path_(std::move(path)) {}
  void* data_;
  std::size_t size_;
  std::string path_;
};

}  // namespace embed
