// `embed tfidf fit|transform|search`: sparse vectors of documents, one per
// line of the input files (or the "text" field of each line of a .jsonl file).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli/commands.h"
#include "apps/cli/documents.h"
#include "embed/core/error.h"
#include "embed/core/progress.h"
#include "embed/text/sparse/sparse_search.h"
#include "embed/text/sparse/vectorizer.h"
#include "embed/text/tokenize/tokenizer_json.h"

namespace embed::cli {

namespace {

// "3" is a count of documents, "0.5" or "1.0" a fraction (scikit-learn's int vs float).
text::DfBound df_bound(const std::string& s, const char* flag) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    EMBED_CHECK(used == s.size(), "");
    return {v, s.find_first_of(".eE") != std::string::npos};
  } catch (const std::exception&) {
    throw InvalidArgument(fmt::format("{} must be a count (3) or a fraction (0.5), got '{}'", flag, s));
  }
}

text::VectorizerOptions vectorizer_options(const TfidfOptions& o) {
  text::VectorizerOptions v;
  v.analyzer.kind = text::parse_analyzer_kind(o.analyzer);
  v.analyzer.lowercase = o.lowercase;
  v.analyzer.strip_accents = text::parse_accent_stripping(o.strip_accents);
  v.analyzer.ngram_min = o.ngram_min;
  v.analyzer.ngram_max = o.ngram_max;
  if (!o.stop_words.empty()) {
    std::ifstream in(o.stop_words);
    if (!in) throw IoError(fmt::format("{}: cannot open", o.stop_words));
    for (std::string w; std::getline(in, w);)
      if (!w.empty()) v.analyzer.stop_words.push_back(w);
  }
  if (!o.tokenizer.empty())
    v.analyzer.tokenizer = std::make_shared<const text::Tokenizer>(text::load_tokenizer_json(o.tokenizer));
  v.min_df = df_bound(o.min_df, "--min-df");
  v.max_df = df_bound(o.max_df, "--max-df");
  v.max_features = o.max_features;
  v.binary = o.binary;
  v.tf = text::parse_tf_scheme(o.tf);
  v.idf = text::parse_idf_scheme(o.idf);
  v.clip_idf = o.clip_idf;
  v.norm = text::parse_row_norm(o.norm);
  return v;
}

void print_matrix_summary(const text::CsrMatrix& m, const std::string& path) {
  std::fprintf(stderr, "wrote %s: %lld x %lld, %lld stored values (%.2f per row)\n", path.c_str(),
               static_cast<long long>(m.rows), static_cast<long long>(m.cols), static_cast<long long>(m.nnz()),
               m.rows ? static_cast<double>(m.nnz()) / static_cast<double>(m.rows) : 0.0);
}

}  // namespace

int run_tfidf_fit(const TfidfOptions& o) {
  const std::vector<std::string> docs = read_texts(o.inputs);
  check_interrupted("fitting");
  text::CsrMatrix fitted;
  const text::Vectorizer v = text::Vectorizer::fit(docs, vectorizer_options(o), o.matrix.empty() ? nullptr : &fitted);
  check_interrupted("fitting");
  v.save(o.model);
  std::fprintf(stderr, "fitted %lld documents: %zu terms -> %s\n", static_cast<long long>(v.n_documents()),
               v.vocabulary().size(), o.model.c_str());
  if (!o.matrix.empty()) {
    text::save_matrix(o.matrix, fitted);
    print_matrix_summary(fitted, o.matrix);
  }
  return 0;
}

int run_tfidf_transform(const TfidfOptions& o) {
  const text::Vectorizer v = text::Vectorizer::load(o.model);
  const text::CsrMatrix m = v.transform(read_texts(o.inputs));
  check_interrupted("transforming");
  text::save_matrix(o.matrix, m);
  print_matrix_summary(m, o.matrix);
  return 0;
}

int run_tfidf_search(const TfidfOptions& o) {
  EMBED_CHECK(!o.queries.empty(), "give at least one query");
  const text::Vectorizer v = text::Vectorizer::load(o.model);
  const std::vector<std::string> docs = read_texts(o.inputs);
  const text::SparseIndex index(v.transform(docs));
  const auto results = index.search(v.transform(o.queries), o.k);
  for (std::size_t q = 0; q < results.size(); ++q) {
    if (o.json) {
      nlohmann::json hits = nlohmann::json::array();
      for (const auto& h : results[q])
        hits.push_back({{"row", h.row}, {"score", h.score}, {"text", docs[static_cast<std::size_t>(h.row)]}});
      std::cout << nlohmann::json{{"query", o.queries[q]}, {"hits", hits}}.dump(
                       -1, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
      continue;
    }
    std::cout << "query: " << o.queries[q] << '\n';
    if (results[q].empty()) std::cout << "  (no document shares a term with the query)\n";
    for (std::size_t i = 0; i < results[q].size(); ++i) {
      const auto& h = results[q][i];
      std::string text = docs[static_cast<std::size_t>(h.row)];
      if (text.size() > 100) text = text.substr(0, 97) + "...";
      std::cout << fmt::format("  {:>2}. {:.4f}  [{}] {}\n", i + 1, h.score, h.row, text);
    }
  }
  return 0;
}

}  // namespace embed::cli
