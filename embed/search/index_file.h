// The container every index file shares:
//   magic "EMBEDIDX" (8 bytes), format version (u32), backend kind (16 bytes,
//   NUL-padded), metric (u32: 0 cosine, 1 inner product, 2 l2), dim (u64),
//   payload length (u64), payload, CRC-32 (u32) of all the bytes before it.
// Integers are little-endian. The payload belongs to the backend.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "embed/search/index.h"

namespace embed::search {

inline constexpr std::uint32_t kIndexFormatVersion = 1;

struct IndexHeader {
  std::string kind;
  Metric metric = Metric::cosine;
  std::int64_t dim = 0;
};

// Writes header + payload + checksum to `path` atomically.
void write_index_file(const std::string& path, const IndexHeader& header, std::string_view payload);

// Checks magic, version, lengths and checksum; returns the header and a view
// of the payload inside `data` (which must outlive the view).
IndexHeader read_index_file(const unsigned char* data, std::size_t size, const std::string& name,
                            std::string_view& payload);

// Reads a payload front to back (integers little-endian; write them with
// embed/io/little_endian.h's append_le).
class PayloadReader {
 public:
  PayloadReader(std::string_view payload, const std::string& name) : p_(payload), name_(name) {}
  std::uint64_t u64(const char* what);
  // n items of item_size bytes copied out, after checking that they fit.
  void copy(void* out, std::uint64_t n, std::size_t item_size, const char* what);
  bool done() const { return at_ == p_.size(); }
  // What has not been read yet.
  std::string_view rest() const { return p_.substr(at_); }

 private:
  std::string_view p_;
  std::size_t at_ = 0;
  const std::string& name_;
};

}  // namespace embed::search
