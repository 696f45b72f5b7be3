#include "embed/text/sparse/bm25.h"

#include <cmath>

#include "embed/core/error.h"

namespace embed::text {

Bm25Idf parse_bm25_idf(const std::string& name) {
  if (name == "lucene") return Bm25Idf::lucene;
  if (name == "robertson") return Bm25Idf::robertson;
  if (name == "atire") return Bm25Idf::atire;
  throw InvalidArgument(fmt::format("unknown BM25 idf '{}' (lucene | robertson | atire)", name));
}

const char* bm25_idf_name(Bm25Idf idf) {
  return idf == Bm25Idf::lucene ? "lucene" : idf == Bm25Idf::robertson ? "robertson" : "atire";
}

void Bm25Options::validate() const {
  EMBED_CHECK(std::isfinite(k1) && k1 >= 0, "BM25 k1 must be finite and >= 0, got {}", k1);
  EMBED_CHECK(std::isfinite(b) && b >= 0 && b <= 1, "BM25 b must lie in [0, 1], got {}", b);
  EMBED_CHECK(std::isfinite(delta) && delta >= 0, "BM25+ delta must be finite and >= 0, got {}", delta);
}

double bm25_idf(Bm25Idf idf, std::int64_t n_documents, std::int64_t df) {
  const auto n = static_cast<double>(n_documents), d = static_cast<double>(df);
  switch (idf) {
    case Bm25Idf::lucene: return std::log(1 + (n - d + 0.5) / (d + 0.5));
    case Bm25Idf::robertson: return std::log((n - d + 0.5) / (d + 0.5));
    case Bm25Idf::atire: return std::log(n / d);
  }
  return 0;
}

Bm25Stats Bm25Stats::of(const CsrMatrix& counts) {
  counts.validate("BM25 counts");
  Bm25Stats s;
  s.n_documents = counts.rows;
  s.df.assign(static_cast<std::size_t>(counts.cols), 0);
  double total = 0;
  for (std::size_t k = 0; k < counts.data.size(); ++k) {
    EMBED_CHECK(counts.data[k] >= 0, "BM25 counts must not be negative, got {}", counts.data[k]);
    if (counts.data[k] == 0) continue;
    ++s.df[static_cast<std::size_t>(counts.indices[k])];
    total += counts.data[k];
  }
  s.avgdl = counts.rows > 0 ? total / static_cast<double>(counts.rows) : 0;
  return s;
}

double bm25_weight(const Bm25Options& o, const Bm25Stats& stats, std::int64_t df, double tf, double dl) {
  // avgdl > 0 whenever some document has a token; without any, |d| / avgdl is taken as 1.
  const double relative = stats.avgdl > 0 ? dl / stats.avgdl : 1;
  const double s = o.k1_plus_1 ? o.k1 + 1 : 1;
  return bm25_idf(o.idf, stats.n_documents, df) * (tf * s / (tf + o.k1 * (1 - o.b + o.b * relative)) + o.delta);
}

CsrMatrix bm25_weights(const CsrMatrix& counts, const Bm25Options& options, const Bm25Stats& stats) {
  options.validate();
  counts.validate("BM25 counts");
  EMBED_CHECK(static_cast<std::int64_t>(stats.df.size()) == counts.cols, "BM25 statistics of {} terms for {} columns",
              stats.df.size(), counts.cols);
  CsrMatrix w;
  w.rows = counts.rows;
  w.cols = counts.cols;
  for (std::int64_t r = 0; r < counts.rows; ++r) {
    const auto begin = static_cast<std::size_t>(counts.indptr[static_cast<std::size_t>(r)]);
    const auto end = static_cast<std::size_t>(counts.indptr[static_cast<std::size_t>(r + 1)]);
    double dl = 0;
    for (std::size_t k = begin; k < end; ++k) dl += counts.data[k];
    for (std::size_t k = begin; k < end; ++k) {
      if (counts.data[k] == 0) continue;
      const auto t = static_cast<std::size_t>(counts.indices[k]);
      w.indices.push_back(counts.indices[k]);
      w.data.push_back(bm25_weight(options, stats, stats.df[t], counts.data[k], dl));
    }
    w.indptr.push_back(static_cast<std::int64_t>(w.data.size()));
  }
  return w;
}

}  // namespace embed::text
