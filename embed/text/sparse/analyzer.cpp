#include "embed/text/sparse/analyzer.h"

#include <algorithm>
#include <array>
#include <bit>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "embed/core/error.h"
#include "embed/text/sparse/stemmer.h"
#include "embed/text/tokenize/tokenizer.h"
#include "embed/text/tokenize/unicode.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

// Copies an ASCII document into `out`, lower-cased if asked; false (and
// `out` unspecified) when the document holds a non-ASCII byte. (Raw
// pointers, so that the compiler vectorises the loop.)
bool copy_ascii(std::string_view s, bool lowercase, std::string& out) {
  out.resize(s.size());
  const auto* from = reinterpret_cast<const unsigned char*>(s.data());
  auto* to = reinterpret_cast<unsigned char*>(out.data());
  const unsigned char shift = lowercase ? 32 : 0;
  unsigned char any_high = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = from[i];
    any_high |= c;
    to[i] = static_cast<unsigned char>(c + (c >= 'A' && c <= 'Z' ? shift : 0));
  }
  return any_high < 0x80;
}

// \w for ASCII bytes: letters, digits, '_'.
constexpr std::array<bool, 128> kAsciiWord = [] {
  std::array<bool, 128> t{};
  for (std::size_t c = 0; c < 128; ++c)
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  return t;
}();

// Bit i set when byte p[i] (ASCII) is \w, for i < len <= 64. AVX2
// compares for a whole 64 bytes where the build targets AVX2, else a loop.
std::uint64_t ascii_word_mask(const unsigned char* p, std::size_t len) {
#if defined(__AVX2__)
  if (len == 64) {
    const auto mask32 = [](const unsigned char* q) {
      const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
      // x <= k (unsigned) as max(x, k) == k.
      const auto at_most = [](__m256i x, char k) {
        return _mm256_cmpeq_epi8(_mm256_max_epu8(x, _mm256_set1_epi8(k)), _mm256_set1_epi8(k));
      };
      const __m256i letter =
          at_most(_mm256_sub_epi8(_mm256_or_si256(c, _mm256_set1_epi8(0x20)), _mm256_set1_epi8('a')), 25);
      const __m256i digit = at_most(_mm256_sub_epi8(c, _mm256_set1_epi8('0')), 9);
      const __m256i underscore = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('_'));
      return static_cast<std::uint32_t>(
          _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(letter, digit), underscore)));
    };
    return mask32(p) | std::uint64_t{mask32(p + 32)} << 32;
  }
#endif
  std::uint64_t m = 0;
  for (std::size_t i = 0; i < len; ++i) m |= std::uint64_t{kAsciiWord[p[i]]} << i;
  return m;
}

// Decodes the character at s[i] of well-formed UTF-8 (text this file produced).
char32_t next_char(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return ++i, b;
  const int n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  char32_t c = b & (0x7F >> n);
  for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(n);
  return c;
}

// \w with an inline ASCII path: most text is ASCII, and this runs per byte.
inline bool is_word(char32_t c) { return c < 0x80 ? kAsciiWord[c] : is_python_word(c); }

// Byte offset of every character start, plus the end: characters [a, b) are bytes [at[a], at[b]).
void char_starts(std::string_view s, std::vector<std::uint32_t>& at) {
  at.clear();
  for (std::size_t i = 0; i < s.size();) {
    at.push_back(static_cast<std::uint32_t>(i));
    next_char(s, i);
  }
  at.push_back(static_cast<std::uint32_t>(s.size()));
}

// re.sub(r"\s\s+", " ", text): every run of two or more whitespace characters becomes one space.
std::string collapse_white_space(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    if (!is_python_space(next_char(s, i))) {
      out.append(s.substr(start, i - start));
      continue;
    }
    std::size_t run_end = i, count = 1;
    for (std::size_t j = i; j < s.size();) {
      if (!is_python_space(next_char(s, j))) break;
      run_end = j;
      ++count;
    }
    if (count == 1)
      out.append(s.substr(start, i - start));
    else
      out.push_back(' ');
    i = run_end;
  }
  return out;
}

}  // namespace

Analyzer::Analyzer(AnalyzerOptions options) : opt_(std::move(options)) {
  EMBED_CHECK(opt_.ngram_min >= 1 && opt_.ngram_min <= opt_.ngram_max,
              "ngram range ({}, {}) is invalid: need 1 <= min <= max", opt_.ngram_min, opt_.ngram_max);
  EMBED_CHECK(opt_.ngram_max <= 64, "ngram range maximum {} is unreasonably large (at most 64)", opt_.ngram_max);
  stop_.insert(opt_.stop_words.begin(), opt_.stop_words.end());
}

bool Analyzer::preprocess(std::string_view document, std::string& out) const {
  // NFKD leaves ASCII alone, so only case matters.
  if (copy_ascii(document, opt_.lowercase, out)) return true;
  std::u32string chars = decode_utf8(document, InvalidUtf8::replace).chars;
  if (opt_.lowercase) chars = python_lower(chars);
  if (opt_.strip_accents != AccentStripping::none) {
    std::u32string stripped;
    stripped.reserve(chars.size());
    for (char32_t c : chars) {
      for (char32_t d : decompose(c, /*compatibility=*/true)) {
        const bool keep = opt_.strip_accents == AccentStripping::ascii ? d < 0x80 : combining_class(d) == 0;
        if (keep) stripped += d;
      }
    }
    chars = std::move(stripped);
  }
  out = encode_utf8(chars);
  return false;
}

void Analyzer::analyze(std::string_view document, TermList& out) const {
  if (terms_are_per_word()) {
    thread_local TermList words;
    words.clear();
    split_words(document, words);
    for (std::size_t w = 0; w < words.size(); ++w) word_ngrams(words[w], out);
    return;
  }
  if (opt_.kind == AnalyzerKind::word) {
    thread_local std::vector<std::string_view> terms;
    word_terms(document, terms);
    for (std::string_view t : terms) out.add(t);
    return;
  }
  thread_local std::string text;
  preprocess(document, text);
  char_terms(collapse_white_space(text), out);
}

void Analyzer::word_terms(std::string_view document, std::vector<std::string_view>& terms) const {
  thread_local std::string text;
  const bool ascii = preprocess(document, text);
  const std::size_t n = text.size();
  text.append(kWordPadding, '\0');  // the padding promised after every view
  const std::string_view body = std::string_view(text).substr(0, n);
  terms.clear();
  if (opt_.ngram_min == 1 && opt_.ngram_max == 1) return word_tokens(body, ascii, terms);
  thread_local std::vector<std::string_view> tokens;
  tokens.clear();
  word_tokens(body, ascii, tokens);
  token_ngrams(tokens, terms);
}

void Analyzer::token_ngrams(const std::vector<std::string_view>& tokens, std::vector<std::string_view>& terms) const {
  // spaced[i]: token i + 1 follows token i after exactly one space, so an
  // n-gram of such tokens is already in their buffer as scikit-learn joins it.
  thread_local std::vector<char> spaced;
  spaced.resize(tokens.size());
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    const char* end = tokens[i].data() + tokens[i].size();
    spaced[i] = end + 1 == tokens[i + 1].data() && *end == ' ';
  }
  // Other n-grams are joined into `joined`; their views are set once it has
  // stopped growing.
  struct Joined {
    std::size_t term, offset, length;
  };
  thread_local std::string joined;
  thread_local std::vector<Joined> in_joined;
  joined.clear();
  in_joined.clear();
  for (int n = opt_.ngram_min; n <= opt_.ngram_max && static_cast<std::size_t>(n) <= tokens.size(); ++n) {
    const auto un = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i + un <= tokens.size(); ++i) {
      const std::string_view first = tokens[i], last = tokens[i + un - 1];
      bool in_place = true;
      for (std::size_t k = i; k + 1 < i + un; ++k) in_place = in_place && spaced[k];
      const auto length = static_cast<std::size_t>(last.data() + last.size() - first.data());
      if (in_place) {
        terms.emplace_back(first.data(), length);
        continue;
      }
      const std::size_t offset = joined.size();
      for (std::size_t k = i; k < i + un; ++k) {
        if (k > i) joined += ' ';
        joined += tokens[k];
      }
      in_joined.push_back(Joined{terms.size(), offset, joined.size() - offset});
      terms.emplace_back();
    }
  }
  joined.append(kWordPadding, '\0');
  for (const Joined& j : in_joined) terms[j.term] = std::string_view(joined).substr(j.offset, j.length);
}

void Analyzer::word_tokens(std::string_view text, bool ascii, std::vector<std::string_view>& tokens) const {
  const std::size_t first = tokens.size();
  thread_local Encoding encoding;
  if (opt_.tokenizer) {
    // The tokens, one after another in a buffer padded as word_terms() promises.
    encoding = opt_.tokenizer->encode(text, /*add_special_tokens=*/false);
    thread_local std::string joined;
    joined.clear();
    for (const std::string& t : encoding.tokens) joined += t;
    joined.append(kWordPadding, '\0');
    std::size_t at = 0;
    for (const std::string& t : encoding.tokens) {
      tokens.push_back(std::string_view(joined).substr(at, t.size()));
      at += t.size();
    }
  } else if (ascii) {  // byte = character
    // Tokens: maximal runs of \w with at least two characters. Classify
    // every byte into a bitmap of \w, then take the run starts (a 1 after a
    // 0) and ends (a 0 after a 1) of each word of bits with bit tricks, and
    // pair them: no branch per byte, and none per token but the loops over
    // set bits. A byte-by-byte loop mispredicted the end of nearly every word.
    thread_local std::vector<std::uint64_t> bits;
    thread_local std::vector<std::size_t> starts, ends;
    const std::size_t n = text.size(), words = (n + 63) / 64;
    bits.resize(words + 1);
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t w = 0; w < words; ++w)
      bits[w] = ascii_word_mask(p + 64 * w, std::min<std::size_t>(64, n - 64 * w));
    bits[words] = 0;                  // closes a run that reaches the end of the text
    if (starts.size() < n / 2 + 1) {  // room for every run: at most one per two bytes
      starts.resize(n / 2 + 1);
      ends.resize(n / 2 + 1);
    }
    std::size_t runs = 0, closed = 0;
    std::uint64_t carry = 0;  // the last bit of the previous word
    for (std::size_t w = 0; w <= words; ++w) {
      const std::uint64_t b = bits[w], before = b << 1 | carry;  // bit i: byte i-1 is \w
      carry = b >> 63;
      for (std::uint64_t m = b & ~before; m; m &= m - 1) starts[runs++] = 64 * w + std::countr_zero(m);
      for (std::uint64_t m = ~b & before; m; m &= m - 1) ends[closed++] = 64 * w + std::countr_zero(m);
    }
    tokens.resize(first + runs);
    std::size_t kept = first;
    for (std::size_t r = 0; r < runs; ++r) {  // written always, kept when two bytes or more
      tokens[kept] = text.substr(starts[r], ends[r] - starts[r]);
      kept += ends[r] - starts[r] >= 2;
    }
    tokens.resize(kept);
  } else {
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t start = i;
      if (!is_word(next_char(text, i))) continue;
      std::size_t chars = 1;
      for (std::size_t j = i; j < text.size() && is_word(next_char(text, j)); i = j) ++chars;
      if (chars >= 2) tokens.push_back(text.substr(start, i - start));
    }
  }
  if (!stop_.empty())
    tokens.erase(std::remove_if(tokens.begin() + static_cast<std::ptrdiff_t>(first), tokens.end(),
                                [&](std::string_view t) { return stop_.contains(t); }),
                 tokens.end());
  if (opt_.stem) {
    // The stems, one space apart (so n-grams of them read as joined) in a
    // buffer padded as word_terms() promises.
    thread_local std::string stems;
    thread_local std::vector<std::size_t> at;
    stems.clear();
    at.clear();
    for (std::size_t i = first; i < tokens.size(); ++i) {
      at.push_back(stems.size());
      stems += porter2_stem(tokens[i]);
      at.push_back(stems.size());
      stems += ' ';
    }
    stems.append(kWordPadding, '\0');
    for (std::size_t i = first; i < tokens.size(); ++i) {
      const std::size_t k = 2 * (i - first);
      tokens[i] = std::string_view(stems).substr(at[k], at[k + 1] - at[k]);
    }
  }
}

void Analyzer::char_terms(std::string_view text, TermList& out) const {
  thread_local std::vector<std::uint32_t> at;
  char_starts(text, at);
  const std::size_t len = at.size() - 1;
  for (int n = opt_.ngram_min; n <= opt_.ngram_max && static_cast<std::size_t>(n) <= len; ++n)
    for (std::size_t i = 0; i + static_cast<std::size_t>(n) <= len; ++i)
      out.add(text.substr(at[i], at[i + static_cast<std::size_t>(n)] - at[i]));
}

void Analyzer::split_words(std::string_view document, TermList& words) const {
  thread_local std::string text;
  preprocess(document, text);
  // str.split(): maximal runs of non-whitespace (collapsing whitespace first changes nothing).
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    if (is_python_space(next_char(text, i))) continue;
    for (std::size_t j = i; j < text.size() && !is_python_space(next_char(text, j)); i = j) {
    }
    words.add(std::string_view(text).substr(start, i - start));
  }
}

void Analyzer::word_ngrams(std::string_view word, TermList& out) const {
  thread_local std::vector<std::uint32_t> at;
  thread_local std::string padded;
  padded.clear();
  padded.push_back(' ');
  padded.append(word);
  padded.push_back(' ');
  char_starts(padded, at);
  const std::size_t len = at.size() - 1;
  for (int n = opt_.ngram_min; n <= opt_.ngram_max; ++n) {
    const auto un = static_cast<std::size_t>(n);
    std::size_t offset = 0;
    out.add(std::string_view(padded).substr(0, at[std::min(un, len)]));
    while (offset + un < len) {
      ++offset;
      out.add(std::string_view(padded).substr(at[offset], at[offset + un] - at[offset]));
    }
    if (offset == 0) break;  // a word no longer than n is counted once
  }
}

}  // namespace embed::text
