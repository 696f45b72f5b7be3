// Normalizers: text -> text, applied before splitting. Each character of a
// NormalizedText remembers the byte range of the original text it came
// from, so offsets survive decomposition, case mapping and removals.
// The set and its semantics follow Hugging Face tokenizers' normalizers.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "embed/text/tokenize/utf8.h"

namespace embed::text {

struct NormalizedText {
  std::u32string chars;
  std::vector<std::int64_t> begin, end;  // original byte range of chars[i]

  static NormalizedText from_utf8(std::string_view bytes, InvalidUtf8 policy = InvalidUtf8::replace);
  // Replaces the contents by `bytes` decoded, reusing this object's memory.
  void assign_utf8(std::string_view bytes, InvalidUtf8 policy = InvalidUtf8::replace) {
    decode_utf8(bytes, policy, chars, begin, end);
  }
  std::string utf8() const { return encode_utf8(chars); }
  // Replaces each character by map(c, out) appended to out (zero or more
  // characters, each inheriting the source character's range).
  template <typename Map>
  void transform(Map map);
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void apply(NormalizedText& text) const = 0;
  virtual nlohmann::json to_json() const = 0;  // as in a tokenizer.json
};

enum class NormalForm { nfc, nfd, nfkc, nfkd };

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void apply(NormalizedText& text) const override;
  nlohmann::json to_json() const override;

 private:
  NormalForm form_;
};

class Lowercase : public Normalizer {
 public:
  void apply(NormalizedText& text) const override;
  nlohmann::json to_json() const override;
};

// NFD, then drop nonspacing marks (category Mn): "café" -> "cafe".
class StripAccents : public Normalizer {
 public:
  void apply(NormalizedText& text) const override;
  nlohmann::json to_json() const override;
};

// BERT's BasicTokenizer normalisation (and HF's BertNormalizer), in its order:
// clean_text drops NUL, U+FFFD and control characters and maps whitespace to
// ' '; handle_chinese_chars puts spaces around CJK ideographs; strip_accents
// (by default: when lowercasing) removes accents; then lowercase.
struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  int strip_accents = -1;  // -1: same as lowercase; 0 / 1: off / on
  bool lowercase = true;
};
class BertNormalizer : public Normalizer {
 public:
  explicit BertNormalizer(BertNormalizerOptions options = {}) : opt_(options) {}
  void apply(NormalizedText& text) const override;
  nlohmann::json to_json() const override;

 private:
  BertNormalizerOptions opt_;
};

class NormalizerSequence : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::shared_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void apply(NormalizedText& text) const override {
    for (const auto& s : steps_) s->apply(text);
  }
  nlohmann::json to_json() const override;

 private:
  std::vector<std::shared_ptr<Normalizer>> steps_;
};

template <typename Map>
void NormalizedText::transform(Map map) {
  // In place while every character maps to exactly one (the common case);
  // from the first that does not, into new arrays.
  std::u32string one;
  std::size_t i = 0;
  for (; i < chars.size(); ++i) {
    one.clear();
    map(chars[i], one);
    if (one.size() != 1) break;
    chars[i] = one[0];
  }
  if (i == chars.size()) return;
  std::u32string out(chars, 0, i);
  std::vector<std::int64_t> b(begin.begin(), begin.begin() + static_cast<std::ptrdiff_t>(i));
  std::vector<std::int64_t> e(end.begin(), end.begin() + static_cast<std::ptrdiff_t>(i));
  out.reserve(chars.size());
  b.reserve(chars.size());
  e.reserve(chars.size());
  for (bool first = true; i < chars.size(); ++i, first = false) {
    const std::size_t before = out.size();
    if (first)
      out += one;  // already mapped above
    else
      map(chars[i], out);
    b.insert(b.end(), out.size() - before, begin[i]);
    e.insert(e.end(), out.size() - before, end[i]);
  }
  chars = std::move(out);
  begin = std::move(b);
  end = std::move(e);
}

}  // namespace embed::text
