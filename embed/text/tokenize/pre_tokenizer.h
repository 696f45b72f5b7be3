// Pre-tokenizers split normalized text into pieces that the model encodes
// separately (a token never crosses a piece boundary). A piece is a range of
// characters of the NormalizedText, so offsets stay available.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <vector>

#include "embed/text/tokenize/normalizer.h"

namespace embed::text {

struct Piece {
  std::size_t start, end;  // [start, end) in NormalizedText::chars
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Edits the text before splitting (ByteLevel's prefix space); no-op by default.
  virtual void prepare(NormalizedText&) const {}
  virtual std::vector<Piece> split(const NormalizedText& text) const = 0;
  virtual nlohmann::json to_json() const = 0;  // as in a tokenizer.json
};

// Splits on white space (which is dropped).
class WhitespaceSplit : public PreTokenizer {
 public:
  std::vector<Piece> split(const NormalizedText& text) const override;
  nlohmann::json to_json() const override;
};

// BERT's BasicTokenizer: split on white space, then every punctuation
// character (is_bert_punctuation) becomes a piece of its own.
class BertPreTokenizer : public PreTokenizer {
 public:
  std::vector<Piece> split(const NormalizedText& text) const override;
  nlohmann::json to_json() const override;
};

// GPT-2's split, the regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// matched by hand (first alternative that matches at each position, as a
// backtracking regex engine does). add_prefix_space puts a space in front of
// text that does not start with one, so the first word encodes like the others.
class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  explicit ByteLevelPreTokenizer(bool add_prefix_space = false) : add_prefix_space_(add_prefix_space) {}
  void prepare(NormalizedText& text) const override;
  std::vector<Piece> split(const NormalizedText& text) const override;
  nlohmann::json to_json() const override;

 private:
  bool add_prefix_space_;
};

}  // namespace embed::text
