// Base64 (RFC 4648, section 4: the standard alphabet with '=' padding), as
// OpenAI's API returns embeddings with encoding_format "base64": the bytes
// of the little-endian float32 vector.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace embed {

std::string base64_encode(const void* bytes, std::size_t n);
// Throws FormatError on a character outside the alphabet or bad padding.
std::string base64_decode(std::string_view text);

}  // namespace embed
