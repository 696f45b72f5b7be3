// Pre-tokenizers split normalized text into pieces that the model encodes
// separately (a token never crosses a piece boundary). A piece is a range of
// characters of the NormalizedText, so offsets stay available.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "embed/text/tokenize/normalizer.h"

namespace embed::text {

struct Piece {
  std::size_t start, end;  // [start, end) in NormalizedText::chars
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Edits the text before splitting (ByteLevel's prefix space, Metaspace's
  // replacement); no-op by default. at_start: the text begins the input (not
  // a stretch after an added token).
  virtual void prepare(NormalizedText&, bool /*at_start*/) const {}
  // Whether prepare() edits the text (a Sequence allows that only first).
  virtual bool edits_text() const { return false; }
  virtual std::vector<Piece> split(const NormalizedText& text) const = 0;
  // Undoes on decoded text what prepare() did to the input (Metaspace's
  // replacement character); no-op by default.
  virtual void restore(std::string& /*decoded*/) const {}
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
  void prepare(NormalizedText& text, bool at_start) const override;
  bool edits_text() const override { return add_prefix_space_; }
  std::vector<Piece> split(const NormalizedText& text) const override;
  nlohmann::json to_json() const override;

 private:
  bool add_prefix_space_;
};

// Hugging Face's Digits: numbers (general category N*) split from the rest,
// as runs of digits, or each digit alone with individual_digits.
class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual_digits = false) : individual_(individual_digits) {}
  std::vector<Piece> split(const NormalizedText& text) const override;
  nlohmann::json to_json() const override;

 private:
  bool individual_;
};

// Hugging Face's Metaspace (SentencePiece's convention): every space U+0020
// becomes `replacement` (default U+2581), one is put in front of text that
// does not start with it (prepend: always; first = only at the start of the
// input; never), and with split the text is cut before every replacement
// character (which stays with the piece after it). Decoding turns the
// replacement back into spaces and drops the prepended one.
enum class PrependScheme { always, first, never };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  explicit MetaspacePreTokenizer(char32_t replacement = 0x2581, PrependScheme prepend = PrependScheme::always,
                                 bool split = true)
      : replacement_(replacement), prepend_(prepend), split_(split) {}
  void prepare(NormalizedText& text, bool at_start) const override;
  bool edits_text() const override { return true; }
  std::vector<Piece> split(const NormalizedText& text) const override;
  void restore(std::string& decoded) const override;
  nlohmann::json to_json() const override;

 private:
  char32_t replacement_;
  PrependScheme prepend_;
  bool split_;
};

// Hugging Face's Sequence: each pre-tokenizer splits the pieces of the one
// before. Only the first may edit the text (ByteLevel with a prefix space,
// Metaspace): Hugging Face applies a later one's edit to each piece, which
// this does not do, so such a sequence is refused as Unsupported.
class PreTokenizerSequence : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::shared_ptr<PreTokenizer>> steps);
  void prepare(NormalizedText& text, bool at_start) const override;
  bool edits_text() const override;
  std::vector<Piece> split(const NormalizedText& text) const override;
  void restore(std::string& decoded) const override;
  nlohmann::json to_json() const override;

 private:
  std::vector<std::shared_ptr<PreTokenizer>> steps_;
};

}  // namespace embed::text
