// Term counts of a run of documents, as the vectorizer's counting passes
// produce them (an internal type of embed/text/sparse).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace embed::text {

struct CountedRows {
  std::vector<std::int64_t> ends;                              // end of each document's entries
  std::vector<std::pair<std::int32_t, std::int32_t>> entries;  // (term id, count)
  // When counting adds terms (fit), by term id: documents holding the term,
  // and its occurrences (what max_features ranks by).
  std::vector<std::int64_t> df, occurrences;
};

}  // namespace embed::text
