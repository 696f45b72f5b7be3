// safetensors (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, "__metadata__": {..}},
// then the raw little-endian tensor bytes.
//
// Loading maps the file and hands out zero-copy tensors for F32/I32/I64/U8
// (when aligned); F16, BF16 and F64 are converted to f32, I8/I16/U16 to i32,
// U32/U64 to i64, BOOL to u8. Every offset and size is checked before use;
// a bad file throws FormatError naming the file, tensor and field.
#pragma once

#include <map>
#include <string>

#include "embed/core/tensor.h"

namespace embed {

struct SafeTensors {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Parses a safetensors image held in memory. `keep_alive` owns `data` for
// zero-copy tensors; `name` is used in error messages.
SafeTensors parse_safetensors(const unsigned char* data, std::size_t size, std::shared_ptr<void> keep_alive,
                              const std::string& name);
SafeTensors load_safetensors(const std::string& path);
// Writes tensors (contiguous copies) sorted by name, header padded to 8 bytes. Atomic.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace embed
