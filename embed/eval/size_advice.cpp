#include "embed/eval/size_advice.h"

#include <algorithm>
#include <cmath>

#include "embed/core/error.h"

namespace embed::eval {

SizeAdvice advise_embedding_size(std::int64_t n) {
  EMBED_CHECK(n >= 1, "cardinality must be at least 1, got {}", n);
  SizeAdvice a;
  a.cardinality = n;
  if (n < 1000) {
    a.range_low = 16;
    a.range_high = 64;
  } else if (n <= 100000) {
    a.range_low = 64;
    a.range_high = 256;
  } else {
    a.range_low = 256;
    a.range_high = 1024;
  }
  a.fastai = std::min<std::int64_t>(600, std::llround(1.6 * std::pow(static_cast<double>(n), 0.56)));
  a.suggested = std::clamp(a.fastai, a.range_low, a.range_high);
  a.note =
      "rules of thumb only: train two or three sizes around the suggestion and keep the one that does best on "
      "held-out data for the task the embeddings serve";
  return a;
}

}  // namespace embed::eval
