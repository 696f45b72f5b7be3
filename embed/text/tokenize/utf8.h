// UTF-8 decoding and encoding for the tokenizers. Text from outside is
// decoded with an explicit policy for invalid bytes, and every code point
// keeps the byte range it came from, so tokens can report offsets into the
// original text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace embed::text {

enum class InvalidUtf8 {
  replace,  // each maximal ill-formed subsequence becomes one U+FFFD (Unicode §3.9, "best practice")
  reject,   // throw FormatError naming the byte offset
};

struct DecodedText {
  std::u32string chars;
  std::vector<std::int64_t> begin;  // byte offset in the input where chars[i] starts
  std::vector<std::int64_t> end;    // and where it ends
};

DecodedText decode_utf8(std::string_view bytes, InvalidUtf8 policy = InvalidUtf8::replace);
// The same into buffers whose memory is reused (the hot loops decode line after line).
void decode_utf8(std::string_view bytes, InvalidUtf8 policy, std::u32string& chars, std::vector<std::int64_t>& begin,
                 std::vector<std::int64_t>& end);
void append_utf8(std::string& out, char32_t c);
std::string encode_utf8(std::u32string_view chars);

}  // namespace embed::text
