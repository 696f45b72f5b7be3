// Tokenizer models: one pre-tokenized piece (a run of characters) -> tokens.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embed/text/tokenize/pair_index.h"
#include "embed/text/tokenize/vocab.h"

namespace embed::text {

struct Token {
  std::int64_t id;
  std::size_t start, end;  // the characters of the piece it covers
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void encode(std::u32string_view piece, std::vector<Token>& out) const = 0;
  // Text from ids: the inverse of encode up to what normalisation and
  // pre-tokenization removed (see each model).
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  virtual const Vocab& vocab() const = 0;
  virtual nlohmann::json to_json() const = 0;       // the "model" of a tokenizer.json
  virtual nlohmann::json decoder_json() const = 0;  // the matching "decoder"
};

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_prefix = "##";
  std::size_t max_input_chars_per_word = 100;
  // Hugging Face's WordPiece decoder "cleanup": per decoded piece, drop the
  // space before . ? ! , and English clitics ('s 'm 've 're n't).
  bool decode_cleanup = true;
};

// WordPiece encoding (BERT; Wu et al. 2016): greedy longest match from the
// left, pieces after the first carry the "##" prefix; a word longer than
// max_input_chars_per_word, or one that cannot be covered, is one [UNK].
class WordPiece : public Model {
 public:
  WordPiece(Vocab vocab, WordPieceOptions options = {});
  void encode(std::u32string_view piece, std::vector<Token>& out) const override;
  // Hugging Face's WordPiece decoder: every token after the first either
  // loses its "##" (glued to the one before) or gets a leading space; then,
  // with decode_cleanup, each piece is cleaned up (see WordPieceOptions).
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  const Vocab& vocab() const override { return vocab_; }
  const WordPieceOptions& options() const { return opt_; }
  nlohmann::json to_json() const override;
  nlohmann::json decoder_json() const override;

 private:
  Vocab vocab_;
  WordPieceOptions opt_;
  std::int64_t unk_id_;
};

// Whole pieces looked up in the vocabulary; unknown ones become unk_token.
class WordLevel : public Model {
 public:
  WordLevel(Vocab vocab, std::string unk_token);
  void encode(std::u32string_view piece, std::vector<Token>& out) const override;
  std::string decode(const std::vector<std::int64_t>& ids) const override;  // tokens joined by spaces
  const Vocab& vocab() const override { return vocab_; }
  nlohmann::json to_json() const override;
  nlohmann::json decoder_json() const override;

 private:
  Vocab vocab_;
  std::string unk_token_;
  std::int64_t unk_id_ = -1;
};

struct BpeOptions {
  bool byte_level = false;         // symbols are UTF-8 bytes in GPT-2's byte-to-unicode alphabet
  std::string unk_token;           // for characters outside the vocabulary (empty: drop them)
  std::string continuing_prefix;   // on every symbol but a word's first ("##" in HF's WordPiece trainer)
  std::string end_of_word_suffix;  // on a word's last symbol ("</w>" in the classic algorithm)
};

// BPE encoding (Sennrich et al. 2016): start from single symbols and apply
// the learned merges, always the adjacent pair of lowest rank first, until
// none applies.
class Bpe : public Model {
 public:
  Bpe(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options = {});
  void encode(std::u32string_view piece, std::vector<Token>& out) const override;
  // Byte-level: the tokens' bytes, concatenated (exactly the encoded text;
  // bytes that do not form UTF-8 are returned as they are). Otherwise tokens
  // are concatenated, the continuation prefix removed and the end-of-word
  // suffix turned into a space.
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  const Vocab& vocab() const override { return vocab_; }
  nlohmann::json to_json() const override;
  nlohmann::json decoder_json() const override;

 private:
  struct Merge {
    std::int32_t rank, merged;
  };
  struct Symbol {
    std::int64_t id;
    std::size_t start, end;  // characters of the piece
  };
  // The merge of the pair (a, b), or nullptr.
  const Merge* merge_of(std::int64_t a, std::int64_t b) const {
    const std::int32_t i = merge_index_.find(static_cast<std::int32_t>(a), static_cast<std::int32_t>(b));
    return i < 0 ? nullptr : &merges_[static_cast<std::size_t>(i)];
  }
  // The id of character c as a symbol at that place in a word (prefix, suffix), or -1.
  std::int64_t symbol_id(char32_t c, bool first, bool last) const;
  void spell(std::u32string_view piece, std::vector<Symbol>& symbols) const;
  void merge_by_scan(std::vector<Symbol>& symbols) const;
  void merge_by_heap(std::vector<Symbol>& symbols) const;

  Vocab vocab_;
  BpeOptions opt_;
  PairIndex merge_index_;  // (left id, right id) -> index into merges_
  std::vector<Merge> merges_;
  // The symbol of an ASCII character by position: [first][last][c] (-1: not
  // in the vocabulary, spelled the slow way); byte-level: of each byte.
  std::array<std::int64_t, 4 * 128> ascii_symbol_;
  std::array<std::int64_t, 256> byte_symbol_;
  std::vector<std::pair<std::string, std::string>> merge_list_;  // in rank order, for saving
  std::int64_t unk_id_ = -1;
};

// GPT-2's reversible map from bytes to printable characters: the printable
// Latin-1 bytes map to themselves, the other 68 to U+0100 onwards in order.
char32_t byte_to_unicode(unsigned char b);
// The inverse; -1 for a character outside the alphabet.
int unicode_to_byte(char32_t c);

}  // namespace embed::text
