#include "embed/text/sparse/vectorizer.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/json_config.h"
#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/tokenize/tokenizer_json.h"

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
  std::vector<std::size_t> row_at{0}, value_at{0};  // where each block's rows and values go
  for (const CountedRows& b : blocks) {
    row_at.push_back(row_at.back() + b.ends.size());
    value_at.push_back(value_at.back() + b.entries.size());
  }
  m.rows = static_cast<std::int64_t>(row_at.back());
  m.indptr.resize(row_at.back() + 1);
  m.indices.resize(value_at.back());
  m.data.resize(value_at.back());
  parallel_for(static_cast<std::int64_t>(blocks.size()), std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
    for (auto b = static_cast<std::size_t>(lo); b < static_cast<std::size_t>(hi); ++b) {
      const auto base = static_cast<std::int64_t>(value_at[b]);
      for (std::size_t r = 0; r < blocks[b].ends.size(); ++r) m.indptr[row_at[b] + r + 1] = base + blocks[b].ends[r];
      for (std::size_t k = 0; k < blocks[b].entries.size(); ++k) {
        m.indices[value_at[b] + k] = blocks[b].entries[k].first;
        m.data[value_at[b] + k] = blocks[b].entries[k].second;
      }
    }
  });
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
  for (const std::string& t : terms_) index_.intern(t);
}

std::int64_t Vectorizer::column(std::string_view term) const { return index_.find(term); }

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

  // 1. Count with block-local ids, then give every distinct term a global id.
  std::vector<TermTable> local(static_cast<std::size_t>(std::max(1, num_threads())));
  std::vector<CountedRows> blocks = count_blocks(analyzer, documents, [&](std::int64_t b) {
    TermTable& table = local[static_cast<std::size_t>(b)];
    return [&table](std::string_view term) { return table.intern(term); };
  });
  TermTable global;
  std::vector<std::int64_t> df;
  std::vector<double> total;  // occurrences (documents, with binary): what max_features ranks by
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    std::vector<std::int32_t> to_global(static_cast<std::size_t>(local[b].size()));
    for (std::int32_t i = 0; i < local[b].size(); ++i)
      to_global[static_cast<std::size_t>(i)] = global.intern(local[b].term(i));
    local[b] = TermTable{};
    df.resize(static_cast<std::size_t>(global.size()), 0);
    total.resize(df.size(), 0);
    for (auto& [id, count] : blocks[b].entries) {
      id = to_global[static_cast<std::size_t>(id)];
      ++df[static_cast<std::size_t>(id)];
      total[static_cast<std::size_t>(id)] += options.binary ? 1 : count;
    }
  }
  EMBED_CHECK(global.size() > 0, "empty vocabulary: the documents hold no terms (only stop words, or too short)");

  // 2. Prune by document frequency, order the survivors by code point, then
  // keep the max_features most frequent.
  std::vector<std::int32_t> kept;
  for (std::int32_t t = 0; t < global.size(); ++t) {
    const auto d = static_cast<double>(df[static_cast<std::size_t>(t)]);
    if (d <= high && d >= low) kept.push_back(t);
  }
  std::sort(kept.begin(), kept.end(), [&](std::int32_t x, std::int32_t y) { return global.term(x) < global.term(y); });
  if (options.max_features > 0 && static_cast<std::int64_t>(kept.size()) > options.max_features) {
    std::vector<double> negated(kept.size());
    for (std::size_t i = 0; i < kept.size(); ++i) negated[i] = -total[static_cast<std::size_t>(kept[i])];
    const std::vector<std::int64_t> order = numpy_argsort(negated);
    std::vector<char> chosen(kept.size(), 0);
    for (std::int64_t i = 0; i < options.max_features; ++i)
      chosen[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = 1;
    std::size_t w = 0;
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (chosen[i]) kept[w++] = kept[i];
    kept.resize(w);
  }
  EMBED_CHECK(!kept.empty(), "after pruning no terms remain: try a lower min_df or a higher max_df");
  // 3. Columns, and idf from document frequencies (scikit-learn's formulas, evaluated the same way).
  const auto idf_of = [&](std::int64_t df_term) {
    const auto dn = static_cast<double>(n), dd = static_cast<double>(df_term);
    double w;
    switch (options.idf) {
      case IdfScheme::smooth: w = std::log((dn + 1) / (dd + 1)) + 1; break;
      case IdfScheme::plain: w = std::log(dn / dd) + 1; break;
      default: w = std::log(dn / (dd + 1)); break;
    }
    return options.clip_idf ? std::max(w, 0.0) : w;
  };
  std::vector<std::int32_t> new_column(static_cast<std::size_t>(global.size()), -1);
  std::vector<std::string> terms;
  std::vector<double> idf;
  terms.reserve(kept.size());
  for (std::int32_t t : kept) {
    new_column[static_cast<std::size_t>(t)] = static_cast<std::int32_t>(terms.size());
    terms.emplace_back(global.term(t));
    if (options.idf != IdfScheme::none) idf.push_back(idf_of(df[static_cast<std::size_t>(t)]));
  }
  global = TermTable{};
  Vectorizer v(options, std::move(terms), std::move(idf), n);
  if (fitted) {
    // The documents' rows: surviving terms under their columns, sorted within each row.
    parallel_for(
        static_cast<std::int64_t>(blocks.size()), std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
          for (auto b = lo; b < hi; ++b) {
            CountedRows& rows = blocks[static_cast<std::size_t>(b)];
            std::int64_t start = 0, w = 0;
            for (std::int64_t& e : rows.ends) {
              const std::int64_t row_start = w;
              for (auto k = start; k < e; ++k) {
                const std::int32_t c =
                    new_column[static_cast<std::size_t>(rows.entries[static_cast<std::size_t>(k)].first)];
                if (c >= 0)
                  rows.entries[static_cast<std::size_t>(w++)] = {c, rows.entries[static_cast<std::size_t>(k)].second};
              }
              std::sort(rows.entries.begin() + row_start, rows.entries.begin() + w);
              start = e;
              e = w;
            }
            rows.entries.resize(static_cast<std::size_t>(w));
          }
        });
    *fitted = to_csr(blocks, static_cast<std::int64_t>(v.terms_.size()));
    v.weigh(*fitted);
  }
  return v;
}

CsrMatrix Vectorizer::transform(const std::vector<std::string>& documents) const {
  const std::vector<CountedRows> blocks = count_blocks(analyzer_, documents, [this](std::int64_t) {
    return [this](std::string_view term) { return index_.find(term); };
  });
  CsrMatrix m = to_csr(blocks, static_cast<std::int64_t>(terms_.size()));
  weigh(m);
  return m;
}

void Vectorizer::weigh(CsrMatrix& m) const {
  parallel_for(m.nnz(), 8, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t k = lo; k < hi; ++k) {
      double& x = m.data[k];
      if (opt_.binary) x = 1;
      if (opt_.tf == TfScheme::log)
        x = std::log(x) + 1;
      else if (opt_.tf == TfScheme::log10)
        x = std::log10(x) + 1;
      if (!idf_.empty()) x *= idf_[static_cast<std::size_t>(m.indices[k])];
    }
  });
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
  // The tokenizer travels inside the model, as its tokenizer.json.
  o["tokenizer"] = a.tokenizer ? nlohmann::json::parse(tokenizer_to_json(*a.tokenizer)) : nlohmann::json(nullptr);
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
    if (o.contains("tokenizer") && !o.at("tokenizer").is_null())
      opt.analyzer.tokenizer =
          std::make_shared<const Tokenizer>(parse_tokenizer_json(o.at("tokenizer").dump(), name + ": tokenizer"));
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
