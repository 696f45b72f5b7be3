#include "embed/text/sparse/analyzer.h"

#include <algorithm>
#include <array>
#include <bit>

#include "embed/core/error.h"
#include "embed/text/tokenize/tokenizer.h"
#include "embed/text/tokenize/unicode.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

namespace {

// Copies an ASCII document into `out`, lower-cased if asked; false (and
// `out` unspecified) when the document holds a non-ASCII byte.
bool copy_ascii(std::string_view s, bool lowercase, std::string& out) {
  out.resize(s.size());
  unsigned char any_high = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    any_high |= c;
    out[i] = static_cast<char>(lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
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
  thread_local std::string text;
  const bool ascii = preprocess(document, text);
  if (opt_.kind == AnalyzerKind::word)
    word_terms(text, ascii, out);
  else
    char_terms(collapse_white_space(text), out);
}

void Analyzer::words(std::string_view document, std::vector<std::string_view>& tokens) const {
  thread_local std::string text;
  const bool ascii = preprocess(document, text);
  tokens.clear();
  word_tokens(text, ascii, tokens);
}

void Analyzer::word_terms(std::string_view text, bool ascii, TermList& out) const {
  thread_local std::vector<std::string_view> tokens;
  tokens.clear();
  word_tokens(text, ascii, tokens);
  const std::size_t n_tokens = tokens.size();
  for (int n = opt_.ngram_min; n <= opt_.ngram_max && static_cast<std::size_t>(n) <= n_tokens; ++n) {
    const auto un = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i + un <= n_tokens; ++i) {
      for (std::size_t k = 0; k < un; ++k) {
        if (k) out.append(" ");
        out.append(tokens[i + k]);
      }
      out.end();
    }
  }
}

void Analyzer::word_tokens(std::string_view text, bool ascii, std::vector<std::string_view>& tokens) const {
  // Tokens: maximal runs of \w with at least two characters.
  thread_local Encoding encoding;
  if (opt_.tokenizer) {
    encoding = opt_.tokenizer->encode(text, /*add_special_tokens=*/false);
    for (const std::string& t : encoding.tokens)
      if (stop_.empty() || !stop_.contains(t)) tokens.emplace_back(t);
  }
  const auto keep = [&](std::string_view token) {
    if (stop_.empty() || !stop_.contains(token)) tokens.push_back(token);
  };
  if (!opt_.tokenizer && ascii) {  // byte = character
    // Classify every byte into a bitmap first (no branches), then jump from
    // word edge to word edge by counting zero bits: a byte-by-byte loop
    // mispredicted the end of nearly every word.
    thread_local std::vector<std::uint64_t> bits;
    const std::size_t n = text.size();
    bits.assign((n + 63) / 64, 0);
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < n; ++i) bits[i / 64] |= std::uint64_t{kAsciiWord[p[i]]} << (i % 64);
    // The first position >= from whose bit is `set` (n when none).
    const auto next = [&](std::size_t from, bool set) {
      std::size_t w = from / 64;
      if (w >= bits.size()) return n;
      std::uint64_t m = (set ? bits[w] : ~bits[w]) & (~std::uint64_t{0} << (from % 64));
      while (m == 0) {
        if (++w >= bits.size()) return n;
        m = set ? bits[w] : ~bits[w];
      }
      return std::min(n, w * 64 + static_cast<std::size_t>(std::countr_zero(m)));
    };
    for (std::size_t start = next(0, true); start < n;) {
      const std::size_t end = next(start, false);
      if (end - start >= 2) keep(text.substr(start, end - start));
      start = next(end, true);
    }
  }
  for (std::size_t i = 0; !opt_.tokenizer && !ascii && i < text.size();) {
    const std::size_t start = i;
    if (!is_word(next_char(text, i))) continue;
    std::size_t chars = 1;
    for (std::size_t j = i; j < text.size() && is_word(next_char(text, j)); i = j) ++chars;
    if (chars >= 2) keep(text.substr(start, i - start));
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
