// Sentence vectors from word vectors: the smooth-inverse-frequency (SIF)
// weighted mean of Arora, Liang & Ma (2017, "A Simple but Tough-to-Beat
// Baseline for Sentence Embeddings"):
//   v(s) = 1/|s| * sum over words w of s of  a / (a + p(w)) * v(w),
//   v(s) <- v(s) - u u^T v(s),
// where p(w) is the word's frequency in the corpus the vectors were trained
// on (a fastText .bin records the counts; word2vec files do not, and then
// every weight is 1: the plain mean), a = 1e-3 by default, and u is the
// first right singular vector of the matrix of the documents' v(s) (no
// centring, as the paper's TruncatedSVD), learnt by fit() on the documents
// of a collection and kept in the spec so queries get the same projection.
//
// Words are the maximal runs of letters (Unicode category L*) of the text
// lower-cased as Python's str.lower() does; prepare a training corpus the
// same way (scripts/prepare-gcide.py --words). With subword vectors, words
// outside the vocabulary get the mean of their n-gram vectors and the weight
// of a word seen once; with word2vec vectors they are left out.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "embed/text/sentence/text_encoder.h"
#include "embed/text/static/keyed_vectors.h"
#include "embed/text/static/subword.h"

namespace embed::text {

// Lower-cased runs of letters; invalid UTF-8 counts as a separator.
std::vector<std::string> letter_words(std::string_view text);

struct SifOptions {
  double a = 1e-3;
  bool remove_component = true;
  std::int64_t fit_sample = 50000;  // documents fit() uses at most (every k-th, so deterministic)
};

class WordVectorEncoder : public TextEncoder {
 public:
  // Loads the model (fastText .bin by its magic; else word2vec, binary when
  // the name ends in .bin). The path is kept as given in spec().
  WordVectorEncoder(const std::string& model_path, SifOptions options);
  // From spec(): {"type": "word-vectors", "model", "sif_a", "remove_component", "component"}.
  static std::unique_ptr<WordVectorEncoder> from_spec(const nlohmann::json& spec);

  std::int64_t dim() const override { return vocabulary_.dim(); }
  std::vector<float> encode(const std::vector<std::string>& texts,
                            std::vector<std::int64_t>* tokens = nullptr) const override;
  std::int64_t count_tokens(const std::string& text) const override;
  // Token ids are the model's vocabulary indices (word2vec/fastText order).
  std::string text_of_tokens(const std::vector<std::int64_t>& ids) const override;
  nlohmann::json spec() const override;
  void fit(const std::vector<std::string>& documents) override;

  const std::vector<float>& component() const { return component_; }

 private:
  // The weighted mean before the projection; false when no word had a vector.
  bool weighted_mean(std::string_view text, float* out, std::int64_t& tokens) const;

  std::string model_path_;
  SifOptions options_;
  KeyedVectors vocabulary_;
  std::optional<SubwordVectors> subwords_;  // for words outside the vocabulary
  std::vector<float> weight_;               // per vocabulary word
  float unseen_weight_ = 1.0f;
  std::vector<float> component_;  // u (dim) or empty
};

}  // namespace embed::text
