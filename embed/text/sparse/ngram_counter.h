// Word n-grams counted by ids instead of strings (fit of the word analyzer
// with ngram_max > 1). A token gets its id from a term table; an n-gram is
// the node (its first n-1 tokens, its last token) in a table of integer
// pairs, so no n-gram string is built, hashed or compared per occurrence.
// Strings are made only for the n-grams that pass the document-frequency
// bounds: with min_df = 2 on text8, 1.3M distinct bigrams shrink to 0.3M.
// Same terms as Analyzer::analyze (tokens cannot hold the joining space, so
// different token sequences never give the same n-gram string).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "embed/text/sparse/analyzer.h"
#include "embed/text/sparse/counted_rows.h"
#include "embed/text/sparse/term_table.h"
#include "embed/text/tokenize/pair_index.h"

namespace embed::text {

class NgramCounter {
 public:
  explicit NgramCounter(const Analyzer& analyzer);

  // Appends the row of one document (entries by node id, unsorted).
  void count(std::string_view document);

  // Keeps the n-grams whose document frequency lies in [low, high]:
  // `terms` gets their strings, `rows` their counts under ids 0.. in the
  // order of `terms` (df and occurrences by the same ids). Returns the
  // number of distinct n-grams seen before that cut.
  std::size_t finish(double low, double high, TermTable& terms, CountedRows& rows);

 private:
  std::string term(std::int32_t node) const;
  std::int32_t new_node(std::int32_t parent, std::int32_t word, int length);
  void tally(std::int32_t node);

  const Analyzer& analyzer_;
  int ngram_min_, ngram_max_;
  TermTable words_;                    // token -> word id
  std::vector<std::int32_t> unigram_;  // word id -> its node
  PairIndex extend_;                   // (node, word id) -> index into extended_
  std::vector<std::int32_t> extended_;
  std::vector<std::int32_t> parent_, last_word_;  // per node; parent -1 for a single token
  std::vector<std::uint8_t> length_;
  CountedRows rows_;
  std::vector<std::string_view> tokens_;
  std::vector<std::int32_t> word_ids_, tally_, seen_;
};

}  // namespace embed::text
