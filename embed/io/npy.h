// NumPy .npy files (format versions 1.0, 2.0, 3.0): magic "\x93NUMPY", version,
// header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded to a
// multiple of 64 bytes, then the C-order data.
// Read: <f4, <f8 (to f32), <i4, <i8, |u1, |b1. Write: f32, i32, i64, u8.
#pragma once

#include <string>

#include "embed/core/tensor.h"

namespace embed {

// An array as stored: its type string, shape and raw C-order bytes (pointing
// into the parsed buffer). Sizes are checked against the type string, which
// may be any fixed-size numpy type ('<f4', '|S3', '<U3', ...).
struct NpyArray {
  std::string descr;
  Shape shape;
  const unsigned char* data = nullptr;
  std::size_t bytes = 0;
};
NpyArray parse_npy_array(const unsigned char* data, std::size_t size, const std::string& name);

Tensor parse_npy(const unsigned char* data, std::size_t size, const std::string& name);
Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& t);  // atomic
// The header (magic, version, dict, padding) for an array of this type and
// shape; followed by the data it is a complete .npy image.
std::string npy_header(const std::string& descr, const Shape& shape);
std::string npy_bytes(const Tensor& t);  // a whole .npy image in memory

}  // namespace embed
