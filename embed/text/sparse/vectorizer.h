// One-hot, bag-of-words and TF-IDF vectors over a fitted vocabulary.
//
// Fitting analyses every document (analyzer.h), keeps the terms whose
// document frequency df lies in [min_df, max_df] (a count, or a fraction of
// the N documents), then at most `max_features` of them by total count (ties
// broken as scikit-learn's numpy sort breaks them), in code-point order.
// A document's row holds, per term with count c > 0:
//   tf:  raw c | 1 + ln c ("log", scikit-learn's sublinear_tf) | 1 + log10 c ("log10");
//        with `binary`, c is first replaced by 1;
//   idf: none | smooth: ln((1 + N) / (1 + df)) + 1 (scikit-learn's default)
//        | plain: ln(N / df) + 1 (smooth_idf=False)
//        | classic: ln(N / (df + 1)), the textbook form, which is 0 for a term
//          in N - 1 documents and negative for one in all N (clip_idf sets
//          negative weights to 0);
//   value = tf * idf, then the row is scaled to unit L2 or L1 norm (or not).
// scikit-learn's TfidfVectorizer is {tf raw|log, idf smooth|plain|none, norm};
// CountVectorizer is {tf raw, idf none, norm none}, with binary for one-hot.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "embed/text/sparse/analyzer.h"
#include "embed/text/sparse/csr.h"
#include "embed/text/sparse/term_table.h"

namespace embed::text {

enum class TfScheme { raw, log, log10 };
enum class IdfScheme { none, smooth, plain, classic };
enum class RowNorm { none, l1, l2 };

// Option names as in saved models and on the command line; unknown names throw InvalidArgument.
TfScheme parse_tf_scheme(const std::string& name);                // raw | log | log10
IdfScheme parse_idf_scheme(const std::string& name);              // none | smooth | plain | classic
RowNorm parse_row_norm(const std::string& name);                  // none | l1 | l2
AnalyzerKind parse_analyzer_kind(const std::string& name);        // word | char | char_wb
AccentStripping parse_accent_stripping(const std::string& name);  // none | unicode | ascii

// A document-frequency bound: a number of documents, or a fraction of them
// (scikit-learn tells them apart by int vs float).
struct DfBound {
  double value = 1;
  bool fraction = false;
  double documents(std::int64_t n) const { return fraction ? value * static_cast<double>(n) : value; }
};

struct VectorizerOptions {
  AnalyzerOptions analyzer;
  DfBound min_df{1, false};
  DfBound max_df{1.0, true};
  std::int64_t max_features = 0;  // 0: no limit
  bool binary = false;
  TfScheme tf = TfScheme::raw;
  IdfScheme idf = IdfScheme::smooth;
  bool clip_idf = false;  // classic idf: negative weights become 0
  RowNorm norm = RowNorm::l2;
};

// The options as saved models write them ({"analyzer", "lowercase", ...,
// "norm", "tokenizer"}) and back; from_json throws nlohmann's exceptions or
// InvalidArgument on a bad value (callers add the file's name).
nlohmann::json options_to_json(const VectorizerOptions& options);
VectorizerOptions options_from_json(const nlohmann::json& j, const std::string& name);

// One term's idf for a document frequency df among n documents (the
// formulas above; IdfScheme::none is not a weight and is refused).
double idf_weight(IdfScheme scheme, bool clip, std::int64_t n, std::int64_t df);
// Counts -> weights in place: binary, tf, idf (per column; empty: none) and
// row norm, as a vectorizer with these options weighs its rows.
void weigh_counts(CsrMatrix& counts, const VectorizerOptions& options, const std::vector<double>& idf);

class Vectorizer {
 public:
  // Learns vocabulary and idf from the documents. When `fitted` is given it
  // receives the documents' own rows (what transform(documents) returns).
  static Vectorizer fit(const std::vector<std::string>& documents, const VectorizerOptions& options,
                        CsrMatrix* fitted = nullptr);
  // Rows for new documents; terms outside the vocabulary are ignored.
  CsrMatrix transform(const std::vector<std::string>& documents) const;

  const VectorizerOptions& options() const { return opt_; }
  const std::vector<std::string>& vocabulary() const { return terms_; }  // column order
  const std::vector<double>& idf() const { return idf_; }                // empty for IdfScheme::none
  std::int64_t n_documents() const { return n_documents_; }
  std::int64_t column(std::string_view term) const;  // -1 when absent

  nlohmann::json to_json() const;
  static Vectorizer from_json(const nlohmann::json& j, const std::string& name);
  void save(const std::string& path) const;  // JSON, atomic
  static Vectorizer load(const std::string& path);

 private:
  Vectorizer(VectorizerOptions options, std::vector<std::string> terms, std::vector<double> idf, std::int64_t n);
  VectorizerOptions opt_;
  Analyzer analyzer_;
  std::vector<std::string> terms_;
  std::vector<double> idf_;
  std::int64_t n_documents_ = 0;
  // term -> column, built on first use: fit() alone never needs it.
  const TermTable& index() const;
  struct LazyIndex {
    std::once_flag built;
    TermTable table;
  };
  std::shared_ptr<LazyIndex> index_ = std::make_shared<LazyIndex>();  // copies share it: terms_ never change
};

}  // namespace embed::text
