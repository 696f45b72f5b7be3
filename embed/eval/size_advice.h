// How many dimensions should an embedding of n distinct things (a
// vocabulary, the categories of a column) have? Two rules of thumb:
//   - by cardinality: under 1k -> 16-64; 1k-100k -> 64-256; over 100k -> 256-1024;
//   - fastai's: round(1.6 * n^0.56), at most 600 (fastai.tabular's
//     emb_sz_rule).
// Both are starting points, not answers: validate the size downstream
// (train two or three sizes around it and compare on held-out data).
#pragma once

#include <cstdint>
#include <string>

namespace embed::eval {

struct SizeAdvice {
  std::int64_t cardinality = 0;
  std::int64_t range_low = 0, range_high = 0;  // the cardinality rule's range
  std::int64_t fastai = 0;                     // fastai's rule
  std::int64_t suggested = 0;                  // fastai's value clamped into the range
  std::string note;
};

SizeAdvice advise_embedding_size(std::int64_t cardinality);  // cardinality >= 1

}  // namespace embed::eval
