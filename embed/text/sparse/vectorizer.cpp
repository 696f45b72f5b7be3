#include "embed/text/sparse/vectorizer.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/json_config.h"
#include "embed/text/sparse/numpy_argsort.h"

namespace embed::text {

namespace {

// Term counts of a run of documents: per document, (term id, count) sorted by id.
struct CountedRows {
  std::vector<std::int64_t> ends;  // end of each document's entries
  std::vector<std::pair<std::int32_t, std::int32_t>> entries;
};

// Counts the terms of documents [begin, end); id_of(term) gives a term's id or -1 to skip it.
template <typename IdOf>
CountedRows count_rows(const Analyzer& analyzer, const std::vector<std::string>& documents, std::int64_t begin,
                       std::int64_t end, IdOf&& id_of) {
  CountedRows rows;
  TermList terms;
  std::vector<std::int32_t> tally;  // by id; zero between documents
  std::vector<std::int32_t> seen;
  for (std::int64_t d = begin; d < end; ++d) {
    terms.clear();
    analyzer.analyze(documents[static_cast<std::size_t>(d)], terms);
    seen.clear();
    for (std::size_t t = 0; t < terms.size(); ++t) {
      const std::int32_t id = id_of(terms[t]);
      if (id < 0) continue;
      if (static_cast<std::size_t>(id) >= tally.size()) tally.resize(std::max<std::size_t>(2 * tally.size(), id + 1));
      if (tally[static_cast<std::size_t>(id)]++ == 0) seen.push_back(id);
    }
    std::sort(seen.begin(), seen.end());
    for (std::int32_t id : seen) {
      rows.entries.emplace_back(id, tally[static_cast<std::size_t>(id)]);
      tally[static_cast<std::size_t>(id)] = 0;
    }
    rows.ends.push_back(static_cast<std::int64_t>(rows.entries.size()));
  }
  return rows;
}

// Splits the documents into one block per thread (fewer for small inputs) and
// counts each block with its own id_of; blocks are in document order.
template <typename MakeIdOf>
std::vector<CountedRows> count_blocks(const Analyzer& analyzer, const std::vector<std::string>& documents,
                                      MakeIdOf&& make_id_of) {
  const auto n = static_cast<std::int64_t>(documents.size());
  const std::int64_t blocks = std::max<std::int64_t>(1, std::min<std::int64_t>(num_threads(), n / 16));
  std::vector<CountedRows> out(static_cast<std::size_t>(blocks));
  parallel_for(blocks, std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t b = lo; b < hi; ++b)
      out[static_cast<std::size_t>(b)] =
          count_rows(analyzer, documents, n * b / blocks, n * (b + 1) / blocks, make_id_of(b));
  });
  return out;
}

// Concatenates blocks into one CSR of counts (ids already final and sorted within rows).
CsrMatrix to_csr(const std::vector<CountedRows>& blocks, std::int64_t cols) {
  CsrMatrix m;
  m.cols = cols;
  for (const CountedRows& b : blocks) {
    const std::int64_t base = m.nnz();
    for (std::int64_t e : b.ends) m.indptr.push_back(base + e);
    for (const auto& [id, c] : b.entries) {
      m.indices.push_back(id);
      m.data.push_back(c);
    }
  }
  m.rows = static_cast<std::int64_t>(m.indptr.size()) - 1;
  return m;
}

const char* name_of(TfScheme s) { return s == TfScheme::raw ? "raw" : s == TfScheme::log ? "log" : "log10"; }
const char* name_of(IdfScheme s) {
  return s == IdfScheme::none     ? "none"
         : s == IdfScheme::smooth ? "smooth"
         : s == IdfScheme::plain  ? "plain"
                                  : "classic";
}
const char* name_of(RowNorm s) { return s == RowNorm::none ? "none" : s == RowNorm::l1 ? "l1" : "l2"; }
const char* name_of(AnalyzerKind s) {
  return s == AnalyzerKind::word ? "word" : s == AnalyzerKind::char_ngrams ? "char" : "char_wb";
}
const char* name_of(AccentStripping s) {
  return s == AccentStripping::none ? "none" : s == AccentStripping::unicode ? "unicode" : "ascii";
}

template <typename E>
E parse_enum(const std::string& s, std::initializer_list<E> all, const char* what) {
  for (E e : all)
    if (s == name_of(e)) return e;
  throw InvalidArgument(fmt::format("unknown {} '{}'", what, s));
}

}  // namespace

TfScheme parse_tf_scheme(const std::string& s) {
  return parse_enum(s, {TfScheme::raw, TfScheme::log, TfScheme::log10}, "tf scheme (raw, log, log10)");
}
IdfScheme parse_idf_scheme(const std::string& s) {
  return parse_enum(s, {IdfScheme::none, IdfScheme::smooth, IdfScheme::plain, IdfScheme::classic},
                    "idf scheme (none, smooth, plain, classic)");
}
RowNorm parse_row_norm(const std::string& s) {
  return parse_enum(s, {RowNorm::none, RowNorm::l1, RowNorm::l2}, "norm (none, l1, l2)");
}
AnalyzerKind parse_analyzer_kind(const std::string& s) {
  return parse_enum(s, {AnalyzerKind::word, AnalyzerKind::char_ngrams, AnalyzerKind::char_wb},
                    "analyzer (word, char, char_wb)");
}
AccentStripping parse_accent_stripping(const std::string& s) {
  return parse_enum(s, {AccentStripping::none, AccentStripping::unicode, AccentStripping::ascii},
                    "accent stripping (none, unicode, ascii)");
}

Vectorizer::Vectorizer(VectorizerOptions options, std::vector<std::string> terms, std::vector<double> idf,
                       std::int64_t n)
    : opt_(std::move(options)),
      analyzer_(opt_.analyzer),
      terms_(std::move(terms)),
      idf_(std::move(idf)),
      n_documents_(n) {
  index_.reserve(terms_.size());
  for (std::size_t i = 0; i < terms_.size(); ++i) index_.emplace(terms_[i], static_cast<std::int32_t>(i));
}

std::int64_t Vectorizer::column(std::string_view term) const {
  const auto it = index_.find(term);
  return it == index_.end() ? -1 : it->second;
}

Vectorizer Vectorizer::fit(const std::vector<std::string>& documents, const VectorizerOptions& options,
                           CsrMatrix* fitted) {
  const auto n = static_cast<std::int64_t>(documents.size());
  EMBED_CHECK(n > 0, "cannot fit a vocabulary on no documents");
  for (const DfBound* b : {&options.min_df, &options.max_df}) {
    EMBED_CHECK(b->fraction ? b->value >= 0 && b->value <= 1 : b->value >= 1 && b->value == std::floor(b->value),
                "document-frequency bound {} must be a fraction in [0, 1] or a whole count >= 1", b->value);
  }
  EMBED_CHECK(options.max_features >= 0, "max_features must be positive (or 0 for no limit)");
  const double high = options.max_df.documents(n), low = options.min_df.documents(n);
  EMBED_CHECK(high >= low, "max_df corresponds to fewer documents ({}) than min_df ({})", high, low);
  const Analyzer analyzer(options.analyzer);

  // 1. Count with block-local ids, then give every term its place in code-point order.
  std::vector<std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>> local;
  std::vector<std::vector<std::string>> local_terms;
  const std::int64_t threads = std::max(1, num_threads());
  local.resize(static_cast<std::size_t>(threads) + 1);
  local_terms.resize(local.size());
  std::vector<CountedRows> blocks = count_blocks(analyzer, documents, [&](std::int64_t b) {
    auto& map = local[static_cast<std::size_t>(b)];
    auto& names = local_terms[static_cast<std::size_t>(b)];
    return [&map, &names](std::string_view term) -> std::int32_t {
      const auto it = map.find(term);
      if (it != map.end()) return it->second;
      const auto id = static_cast<std::int32_t>(names.size());
      names.emplace_back(term);
      map.emplace(names.back(), id);
      return id;
    };
  });
  std::vector<std::string> all;
  for (const auto& names : local_terms) all.insert(all.end(), names.begin(), names.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  EMBED_CHECK(!all.empty(), "empty vocabulary: the documents hold no terms (only stop words, or too short)");
  EMBED_CHECK(all.size() <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
              "vocabulary of {} terms is too large", all.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    std::vector<std::int32_t> to_global(local_terms[b].size());
    for (std::size_t i = 0; i < to_global.size(); ++i)
      to_global[i] =
          static_cast<std::int32_t>(std::lower_bound(all.begin(), all.end(), local_terms[b][i]) - all.begin());
    CountedRows& rows = blocks[b];
    std::int64_t start = 0;
    for (std::int64_t e : rows.ends) {
      for (auto k = start; k < e; ++k) rows.entries[k].first = to_global[rows.entries[k].first];
      std::sort(rows.entries.begin() + start, rows.entries.begin() + e);
      start = e;
    }
  }
  local.clear();
  local_terms.clear();
  CsrMatrix counts = to_csr(blocks, static_cast<std::int64_t>(all.size()));
  blocks.clear();
  if (options.binary) std::fill(counts.data.begin(), counts.data.end(), 1.0);

  // 2. Prune by document frequency, then keep the max_features most frequent terms.
  std::vector<std::int64_t> df(all.size(), 0);
  std::vector<double> total(all.size(), 0);
  for (std::int64_t k = 0; k < counts.nnz(); ++k) {
    ++df[static_cast<std::size_t>(counts.indices[k])];
    total[static_cast<std::size_t>(counts.indices[k])] += counts.data[k];
  }
  std::vector<char> keep(all.size());
  std::vector<std::int64_t> kept;
  for (std::size_t t = 0; t < all.size(); ++t) {
    const auto d = static_cast<double>(df[t]);
    keep[t] = d <= high && d >= low;
    if (keep[t]) kept.push_back(static_cast<std::int64_t>(t));
  }
  if (options.max_features > 0 && static_cast<std::int64_t>(kept.size()) > options.max_features) {
    std::vector<double> negated(kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i) negated[i] = -total[static_cast<std::size_t>(kept[i])];
    const std::vector<std::int64_t> order = numpy_argsort(negated);
    std::fill(keep.begin(), keep.end(), 0);
    for (std::int64_t i = 0; i < options.max_features; ++i)
      keep[static_cast<std::size_t>(kept[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])])] = 1;
  }
  std::vector<std::int32_t> new_column(all.size(), -1);
  std::vector<std::string> terms;
  std::vector<std::int64_t> kept_df;
  for (std::size_t t = 0; t < all.size(); ++t) {
    if (!keep[t]) continue;
    new_column[t] = static_cast<std::int32_t>(terms.size());
    terms.push_back(std::move(all[t]));
    kept_df.push_back(df[t]);
  }
  EMBED_CHECK(!terms.empty(), "after pruning no terms remain: try a lower min_df or a higher max_df");

  // 3. idf from document frequencies (scikit-learn's formulas, evaluated the same way).
  std::vector<double> idf;
  if (options.idf != IdfScheme::none) {
    for (std::int64_t d : kept_df) {
      double w;
      const auto dn = static_cast<double>(n), dd = static_cast<double>(d);
      switch (options.idf) {
        case IdfScheme::smooth: w = std::log((dn + 1) / (dd + 1)) + 1; break;
        case IdfScheme::plain: w = std::log(dn / dd) + 1; break;
        default: w = std::log(dn / (dd + 1)); break;
      }
      if (options.clip_idf) w = std::max(w, 0.0);
      idf.push_back(w);
    }
  }
  Vectorizer v(options, std::move(terms), std::move(idf), n);
  if (fitted) {
    // Drop pruned columns; the mapping is monotone, so rows stay sorted.
    CsrMatrix& m = *fitted;
    m = CsrMatrix{};
    m.rows = counts.rows;
    m.cols = static_cast<std::int64_t>(v.terms_.size());
    for (std::int64_t r = 0; r < counts.rows; ++r) {
      for (auto k = counts.indptr[r]; k < counts.indptr[r + 1]; ++k) {
        const std::int32_t c = new_column[static_cast<std::size_t>(counts.indices[k])];
        if (c < 0) continue;
        m.indices.push_back(c);
        m.data.push_back(counts.data[k]);
      }
      m.indptr.push_back(m.nnz());
    }
    v.weigh(m);
  }
  return v;
}

CsrMatrix Vectorizer::transform(const std::vector<std::string>& documents) const {
  const std::vector<CountedRows> blocks = count_blocks(analyzer_, documents, [this](std::int64_t) {
    return [this](std::string_view term) -> std::int32_t {
      const auto it = index_.find(term);
      return it == index_.end() ? -1 : it->second;
    };
  });
  CsrMatrix m = to_csr(blocks, static_cast<std::int64_t>(terms_.size()));
  if (opt_.binary) std::fill(m.data.begin(), m.data.end(), 1.0);
  weigh(m);
  return m;
}

void Vectorizer::weigh(CsrMatrix& m) const {
  for (std::int64_t k = 0; k < m.nnz(); ++k) {
    double& x = m.data[k];
    if (opt_.tf == TfScheme::log)
      x = std::log(x) + 1;
    else if (opt_.tf == TfScheme::log10)
      x = std::log10(x) + 1;
    if (!idf_.empty()) x *= idf_[static_cast<std::size_t>(m.indices[k])];
  }
  if (opt_.norm != RowNorm::none) m.normalize_rows(opt_.norm == RowNorm::l1);
}

nlohmann::json Vectorizer::to_json() const {
  const AnalyzerOptions& a = opt_.analyzer;
  nlohmann::json o = {
      {"analyzer", name_of(a.kind)},
      {"lowercase", a.lowercase},
      {"strip_accents", name_of(a.strip_accents)},
      {"ngram_range", {a.ngram_min, a.ngram_max}},
      {"stop_words", a.stop_words},
      {"min_df", {{"value", opt_.min_df.value}, {"fraction", opt_.min_df.fraction}}},
      {"max_df", {{"value", opt_.max_df.value}, {"fraction", opt_.max_df.fraction}}},
      {"max_features", opt_.max_features},
      {"binary", opt_.binary},
      {"tf", name_of(opt_.tf)},
      {"idf", name_of(opt_.idf)},
      {"clip_idf", opt_.clip_idf},
      {"norm", name_of(opt_.norm)},
  };
  return {{"format", "embed.cpp tfidf"}, {"version", 1},         {"options", o},
          {"n_documents", n_documents_}, {"vocabulary", terms_}, {"idf", idf_}};
}

Vectorizer Vectorizer::from_json(const nlohmann::json& j, const std::string& name) {
  try {
    EMBED_CHECK_AS(FormatError, j.is_object() && j.value("format", "") == "embed.cpp tfidf",
                   "{}: not an embed.cpp TF-IDF model", name);
    EMBED_CHECK_AS(Unsupported, j.at("version").get<int>() == 1, "{}: TF-IDF model version {} is not supported", name,
                   j.at("version").dump());
    const nlohmann::json& o = j.at("options");
    VectorizerOptions opt;
    opt.analyzer.kind = parse_analyzer_kind(o.at("analyzer").get<std::string>());
    opt.analyzer.lowercase = o.at("lowercase").get<bool>();
    opt.analyzer.strip_accents = parse_accent_stripping(o.at("strip_accents").get<std::string>());
    opt.analyzer.ngram_min = o.at("ngram_range").at(0).get<int>();
    opt.analyzer.ngram_max = o.at("ngram_range").at(1).get<int>();
    opt.analyzer.stop_words = o.at("stop_words").get<std::vector<std::string>>();
    for (auto [key, bound] : {std::pair{"min_df", &opt.min_df}, std::pair{"max_df", &opt.max_df}}) {
      bound->value = o.at(key).at("value").get<double>();
      bound->fraction = o.at(key).at("fraction").get<bool>();
    }
    opt.max_features = o.at("max_features").get<std::int64_t>();
    opt.binary = o.at("binary").get<bool>();
    opt.tf = parse_tf_scheme(o.at("tf").get<std::string>());
    opt.idf = parse_idf_scheme(o.at("idf").get<std::string>());
    opt.clip_idf = o.at("clip_idf").get<bool>();
    opt.norm = parse_row_norm(o.at("norm").get<std::string>());
    auto terms = j.at("vocabulary").get<std::vector<std::string>>();
    auto idf = j.at("idf").get<std::vector<double>>();
    const auto n = j.at("n_documents").get<std::int64_t>();
    EMBED_CHECK_AS(FormatError, !terms.empty() && n > 0, "{}: empty vocabulary or no documents", name);
    EMBED_CHECK_AS(FormatError, std::adjacent_find(terms.begin(), terms.end(), std::greater_equal<>()) == terms.end(),
                   "{}: vocabulary is not sorted and unique", name);
    EMBED_CHECK_AS(FormatError, idf.size() == (opt.idf == IdfScheme::none ? 0 : terms.size()),
                   "{}: {} idf weights for {} terms", name, idf.size(), terms.size());
    EMBED_CHECK_AS(FormatError, std::all_of(idf.begin(), idf.end(), [](double x) { return std::isfinite(x); }),
                   "{}: non-finite idf weight", name);
    return Vectorizer(std::move(opt), std::move(terms), std::move(idf), n);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: malformed TF-IDF model: {}", name, e.what()));
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
}

void Vectorizer::save(const std::string& path) const { save_json(path, to_json()); }

Vectorizer Vectorizer::load(const std::string& path) { return from_json(load_json(path), path); }

}  // namespace embed::text
