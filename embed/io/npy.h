// NumPy .npy files (format versions 1.0, 2.0, 3.0): magic "\x93NUMPY", version,
// header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded to a
// multiple of 64 bytes, then the C-order data.
// Read: <f4, <f8 (to f32), <i4, <i8, |u1, |b1. Write: f32, i32, i64, u8.
#pragma once

#include <string>

#include "embed/core/tensor.h"

namespace embed {

Tensor parse_npy(const unsigned char* data, std::size_t size, const std::string& name);
Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& t);  // atomic

}  // namespace embed
