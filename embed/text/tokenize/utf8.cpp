#include "embed/text/tokenize/utf8.h"

#include "embed/core/error.h"

namespace embed::text {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The valid range of the second byte after a lead byte (Unicode Table 3-7),
// which rules out overlong forms, surrogates and code points past U+10FFFF.
bool second_byte_ok(unsigned char lead, unsigned char b) {
  if (lead == 0xE0) return b >= 0xA0 && b <= 0xBF;
  if (lead == 0xED) return b >= 0x80 && b <= 0x9F;
  if (lead == 0xF0) return b >= 0x90 && b <= 0xBF;
  if (lead == 0xF4) return b >= 0x80 && b <= 0x8F;
  return b >= 0x80 && b <= 0xBF;
}

}  // namespace

DecodedText decode_utf8(std::string_view bytes, InvalidUtf8 policy) {
  DecodedText out;
  decode_utf8(bytes, policy, out.chars, out.begin, out.end);
  return out;
}

void decode_utf8(std::string_view bytes, InvalidUtf8 policy, std::u32string& chars, std::vector<std::int64_t>& begin,
                 std::vector<std::int64_t>& end) {
  chars.clear();
  begin.clear();
  end.clear();
  chars.reserve(bytes.size());
  begin.reserve(bytes.size());
  end.reserve(bytes.size());
  const auto n = static_cast<std::int64_t>(bytes.size());
  std::int64_t i = 0;
  while (i < n) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    int len = 0;
    char32_t c = 0;
    if (lead < 0x80) {
      len = 1;
      c = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2;
      c = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3;
      c = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4;
      c = lead & 0x07;
    }
    // Consume the longest valid prefix; stop at the first byte that cannot continue it.
    int used = 1;
    bool ok = len > 0;
    for (int k = 1; ok && k < len; ++k) {
      if (i + k >= n) {
        ok = false;
        break;
      }
      const auto b = static_cast<unsigned char>(bytes[i + k]);
      if (k == 1 ? !second_byte_ok(lead, b) : (b < 0x80 || b > 0xBF)) {
        ok = false;
        break;
      }
      c = (c << 6) | (b & 0x3F);
      ++used;
    }
    if (!ok) {
      EMBED_CHECK_AS(FormatError, policy == InvalidUtf8::replace, "invalid UTF-8 at byte {}", i);
      c = kReplacement;
    }
    chars.push_back(c);
    begin.push_back(i);
    end.push_back(i + used);
    i += used;
  }
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string encode_utf8(std::u32string_view chars) {
  std::string out;
  out.reserve(chars.size());
  for (char32_t c : chars) append_utf8(out, c);
  return out;
}

}  // namespace embed::text
