// Okapi BM25 (Robertson et al., TREC-3, 1994; Robertson & Zaragoza 2009)
// over term counts. For a query q and a document d of length |d| (its
// number of counted tokens) in a collection of N documents of mean length
// avgdl, with tf the count of term t in d and df(t) the documents holding t:
//
//   score(q, d) = sum over the query's tokens t (a repeated token counts
//                 each time, as Lucene's query of several clauses does) of
//                 idf(t) * (tf * s) / (tf + k1 * (1 - b + b * |d| / avgdl)) + idf(t) * delta
//   (the sum runs over terms with tf > 0 only; delta applies only there)
//
//   s = 1 (Lucene since 8.0, which drops the constant (k1 + 1), Pyserini) or
//       k1 + 1 (Robertson's form; the ranking is the same);
//   delta = 0 (BM25) or > 0 (BM25+, Lv & Zhai 2011, who use delta = 1: a
//       term present in a long document still adds at least idf * delta);
//   idf: lucene    ln(1 + (N - df + 0.5) / (df + 0.5))   (never negative)
//        robertson ln((N - df + 0.5) / (df + 0.5))       (negative above N/2)
//        atire     ln(N / df)                            (Trotman et al. 2014)
//
// Defaults k1 = 0.9, b = 0.4 are Pyserini's (Lucene's own are 1.2, 0.75).
// Where we differ from Lucene: Lucene stores |d| in one byte (a lossy
// SmallFloat code) and scores in float; we keep |d| exact and score in
// double, so scores agree to about 1e-3 relative and ties may break
// differently. Which tokens are counted is the analyzer's business
// (Pyserini's default also stems and drops English stop words).
//
// Because each term's contribution depends only on (t, d), the document
// side is a sparse matrix of weights w(t, d) and a score is the inner
// product of the query's token counts with a row: bm25_weights() computes
// the matrix, SparseIndex (inner-product mode) ranks with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/text/sparse/csr.h"

namespace embed::text {

enum class Bm25Idf { lucene, robertson, atire };
Bm25Idf parse_bm25_idf(const std::string& name);  // lucene | robertson | atire
const char* bm25_idf_name(Bm25Idf idf);

struct Bm25Options {
  double k1 = 0.9;
  double b = 0.4;
  double delta = 0;  // BM25+ when > 0
  Bm25Idf idf = Bm25Idf::lucene;
  bool k1_plus_1 = false;  // multiply by (k1 + 1) as Robertson writes it
  void validate() const;   // k1 >= 0, 0 <= b <= 1, delta >= 0, all finite
};

double bm25_idf(Bm25Idf idf, std::int64_t n_documents, std::int64_t df);

// What BM25 needs of the collection: N, avgdl and df per term, from the
// documents' counts (documents x terms; a count must be >= 0, a document's
// length |d| is the sum of its counts).
struct Bm25Stats {
  std::int64_t n_documents = 0;
  double avgdl = 0;
  std::vector<std::int64_t> df;
  static Bm25Stats of(const CsrMatrix& counts);
};

// w(t, d) for a term of document frequency `df` counted `tf` > 0 times in a
// document of length `dl`.
double bm25_weight(const Bm25Options& options, const Bm25Stats& stats, std::int64_t df, double tf, double dl);

// The weights w(t, d) of every stored count of `counts`; zero counts are
// dropped, rows of length 0 stay empty.
CsrMatrix bm25_weights(const CsrMatrix& counts, const Bm25Options& options, const Bm25Stats& stats);

}  // namespace embed::text
