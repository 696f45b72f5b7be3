// Subword word vectors (Bojanowski et al. 2017, "Enriching Word Vectors with
// Subword Information"), laid out as fastText lays them out so that models
// move between the two:
//   - a word w is wrapped as "<w>"; its n-grams are the substrings of
//     min_n..max_n UTF-8 characters of that, leaving out "<" and ">" alone
//     (the whole "<w>" is one of them when it is short enough);
//   - an n-gram's row is nwords + FNV-1a(bytes) mod buckets, with each byte
//     sign-extended before the xor (fastText's Dictionary::hash);
//   - the input matrix has nwords + buckets rows: a vocabulary word's vector
//     is the mean of its own row and its n-gram rows; a word outside the
//     vocabulary gets the mean of its n-gram rows (the issue's "sum of its
//     n-gram vectors" up to a positive factor, so cosines are the same).
// Models read and write fastText's .bin format (version 12, unsupervised,
// not quantised); `fasttext print-word-vectors` and gensim's
// load_facebook_vectors read ours and we read theirs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embed/text/sparse/term_table.h"
#include "embed/text/static/keyed_vectors.h"

namespace embed::text {

// The first int32 of a fastText .bin model (FASTTEXT_FILEFORMAT_MAGIC_INT32).
inline constexpr std::int32_t kFastTextMagic = 793712314;

// True when `path` starts with kFastTextMagic (false when it cannot be read).
bool is_fasttext_model(const std::string& path);

// Word vectors from any file we read: a fastText .bin model (by its magic;
// its vocabulary words' vectors), else word2vec's format, binary when the
// name ends in .bin, text otherwise (.vec, .txt).
KeyedVectors load_word_vectors(const std::string& path);

// fastText's string hash: 32-bit FNV-1a over bytes sign-extended to 32 bits.
std::uint32_t fasttext_hash(std::string_view bytes);

// Appends nwords + hash mod buckets for every n-gram of "<word>" (word
// given without the brackets); nothing when max_n is 0.
void append_subword_rows(std::string_view word, std::int64_t min_n, std::int64_t max_n, std::int64_t buckets,
                         std::int64_t nwords, std::vector<std::int32_t>& rows);

struct SubwordConfig {
  std::int64_t min_n = 3, max_n = 6;
  std::int64_t buckets = 2000000;
};

// The rows of vocabulary word `id`: id itself, then its n-gram rows, except
// that fastText's end-of-line token "</s>" has no n-grams.
void append_word_rows(std::string_view word, std::int32_t id, const SubwordConfig& config, std::int64_t nwords,
                      std::vector<std::int32_t>& rows);

// What fastText's .bin header records about training (kept so a saved
// model says how it was made; not needed to compute vectors).
struct FastTextArgs {
  std::int32_t window = 5, epochs = 5, min_count = 5, negative = 5;
  bool skip_gram = true;
  bool hierarchical_softmax = false;
  double sample = 1e-4;
};

class SubwordVectors {
 public:
  SubwordVectors() = default;
  // input: (words.size() + config.buckets) x dim; output: words.size() x dim
  // (the output layer, saved so fastText can load the model; may be empty).
  SubwordVectors(std::vector<std::string> words, std::vector<std::int64_t> counts, SubwordConfig config,
                 std::int64_t dim, std::vector<float> input, std::vector<float> output, FastTextArgs args = {});

  std::int64_t dim() const { return dim_; }
  std::int64_t nwords() const { return static_cast<std::int64_t>(words_.size()); }
  const SubwordConfig& config() const { return config_; }
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<std::int64_t>& counts() const { return counts_; }  // training-corpus frequencies
  const std::vector<float>& input() const { return input_; }

  // The input rows that make up `word`: its own row when it is in the
  // vocabulary, then its n-gram rows.
  std::vector<std::int32_t> rows(std::string_view word) const;
  // The mean of those rows; zeros for a word with no rows at all.
  std::vector<float> word_vector(std::string_view word) const;
  // Every vocabulary word's vector (what fastText writes to its .vec file).
  KeyedVectors keyed_vectors() const;
  // The vocabulary words nearest by cosine to word_vector(word), the word
  // itself left out; works for words outside the vocabulary.
  std::vector<Neighbour> nearest(std::string_view word, std::int64_t topn = 10) const;

  void save_fasttext(const std::string& path) const;  // atomic
  static SubwordVectors load_fasttext(const std::string& path);
  // The same from memory; `name` is used in FormatError messages.
  static SubwordVectors parse_fasttext(const unsigned char* data, std::size_t size, const std::string& name);

 private:
  std::vector<std::string> words_;
  std::vector<std::int64_t> counts_;
  SubwordConfig config_;
  std::int64_t dim_ = 0;
  std::vector<float> input_, output_;
  FastTextArgs args_;
  TermTable table_;
  mutable KeyedVectors vocabulary_vectors_;  // made on first use by nearest()
};

}  // namespace embed::text
