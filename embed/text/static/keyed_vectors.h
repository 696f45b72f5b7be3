// Word vectors by word: lookup, cosine neighbours, analogies, evaluation,
// and the word2vec file formats (text and binary, as word2vec.c writes them
// and gensim's KeyedVectors.load_word2vec_format reads them; fastText's
// .vec is the text format).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embed/text/sparse/term_table.h"

namespace embed::text {

struct Neighbour {
  std::string word;
  float cosine;
};

struct AnalogyResult {
  std::int64_t correct = 0, total = 0;  // questions answered / with all four words known
  std::int64_t skipped = 0;             // questions with a word outside the vocabulary
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

struct SimilarityResult {
  double spearman = 0;     // Spearman's rho between human scores and cosines
  std::int64_t pairs = 0;  // pairs scored
  std::int64_t oov = 0;    // pairs with a word outside the vocabulary (left out)
};

class KeyedVectors {
 public:
  KeyedVectors() = default;
  // words[i] has row i of `vectors` (words.size() x dim, row-major).
  KeyedVectors(std::vector<std::string> words, std::vector<float> vectors, std::int64_t dim);

  std::int64_t size() const { return static_cast<std::int64_t>(words_.size()); }
  std::int64_t dim() const { return dim_; }
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<float>& vectors() const { return vectors_; }
  std::int64_t index(std::string_view word) const { return table_.find(word); }  // -1 when absent
  const float* vector(std::int64_t i) const { return vectors_.data() + i * dim_; }

  // The topn words closest by cosine to sum(positive) - sum(negative) of the
  // unit-normalised vectors (gensim's most_similar), the query words left out;
  // only the first restrict_vocab words are candidates (0: all).
  std::vector<Neighbour> most_similar(const std::vector<std::string>& positive,
                                      const std::vector<std::string>& negative = {}, std::int64_t topn = 10,
                                      std::int64_t restrict_vocab = 0) const;
  // The topn words closest by cosine to v (dim() values), leaving out the
  // rows in `exclude`; only the first restrict_vocab words are candidates (0: all).
  std::vector<Neighbour> similar_by_vector(const float* v, std::int64_t topn = 10, std::int64_t restrict_vocab = 0,
                                           const std::vector<std::int64_t>& exclude = {}) const;
  // a : b :: c : ? by 3CosMul (Levy & Goldberg 2014): argmax cos'(d,b) cos'(d,c) / (cos'(d,a) + 1e-3),
  // cos' = (1 + cos) / 2; the query words left out.
  std::vector<Neighbour> analogy_cosmul(const std::string& a, const std::string& b, const std::string& c,
                                        std::int64_t topn = 1, std::int64_t restrict_vocab = 0) const;
  // The word least like the mean of the others (gensim's doesnt_match).
  std::string doesnt_match(const std::vector<std::string>& words) const;

  // Google's questions-words.txt format (": section" lines, then "a b c d"),
  // answered by 3CosAdd among the top restrict_vocab words, case-insensitively
  // (words upper-cased on both sides, as gensim's evaluate_word_analogies).
  AnalogyResult evaluate_analogies(const std::string& path, std::int64_t restrict_vocab = 300000,
                                   bool cosmul = false) const;
  // Word pairs with human scores ("w1 TAB w2 TAB score", '#' comments): Spearman's rho.
  SimilarityResult evaluate_similarity(const std::string& path) const;

  void save_word2vec(const std::string& path, bool binary) const;  // atomic
  static KeyedVectors load_word2vec(const std::string& path, bool binary);
  // The same from memory; `name` is used in FormatError messages.
  static KeyedVectors parse_word2vec(const unsigned char* data, std::size_t size, const std::string& name, bool binary);

 private:
  void normalise() const;
  std::vector<float> unit_combination(const std::vector<std::string>& positive,
                                      const std::vector<std::string>& negative, std::vector<std::int64_t>& used) const;

  std::vector<std::string> words_;
  std::vector<float> vectors_;
  std::int64_t dim_ = 0;
  TermTable table_;
  mutable std::vector<float> unit_;  // unit-normalised rows, made on first use
};

}  // namespace embed::text
