#include "embed/search/collection.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <span>
#include <unordered_map>

#include "embed/core/error.h"
#include "embed/core/progress.h"
#include "embed/io/atomic_file.h"
#include "embed/search/exact_index.h"

namespace embed::search {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "embed.cpp collection";
// Version 2 keeps term counts as the sparse rows (version 1 kept TF-IDF
// weights, from which BM25 cannot be computed).
constexpr int kVersion = 2;
constexpr std::int64_t kBatch = 4096;  // documents per step of the progress bars

std::string dense_file(const std::string& dir, std::int64_t generation) {
  return (fs::path(dir) / fmt::format("dense-{}.idx", generation)).string();
}

std::unique_ptr<Index> new_index(const nlohmann::json& manifest) {
  const std::string backend = manifest.at("backend").get<std::string>();
  const Metric metric = parse_metric(manifest.at("metric").get<std::string>());
  const std::int64_t dim = manifest.at("dim").get<std::int64_t>();
  if (backend == "exact") return std::make_unique<ExactIndex>(dim, metric);
  if (backend == "hnsw") {
    HnswOptions h;
    const auto& j = manifest.at("hnsw");
    h.m = j.at("m").get<std::int64_t>();
    h.ef_construction = j.at("ef_construction").get<std::int64_t>();
    h.ef_search = j.at("ef_search").get<std::int64_t>();
    h.seed = j.at("seed").get<std::uint64_t>();
    return std::make_unique<HnswIndex>(dim, metric, h);
  }
  if (backend == "ivfpq") {
    IvfPqOptions o;
    const auto& j = manifest.at("ivfpq");
    o.nlist = j.at("nlist").get<std::int64_t>();
    o.m = j.at("m").get<std::int64_t>();
    o.nprobe = j.at("nprobe").get<std::int64_t>();
    o.train_size = j.at("train_size").get<std::int64_t>();
    o.seed = j.at("seed").get<std::uint64_t>();
    return std::make_unique<IvfPqIndex>(dim, metric, o);
  }
  throw InvalidArgument(fmt::format("unknown index backend '{}' (hnsw | exact | ivfpq)", backend));
}

nlohmann::json read_manifest(const std::string& dir) {
  const std::string path = (fs::path(dir) / "manifest.json").string();
  if (!fs::exists(path)) throw IoError(fmt::format("{}: not a collection (no manifest.json)", dir));
  const auto j = nlohmann::json::parse(read_file(path), nullptr, /*allow_exceptions=*/false);
  EMBED_CHECK_AS(FormatError, j.is_object() && j.value("format", "") == kFormat, "{}: not a collection manifest", path);
  EMBED_CHECK_AS(Unsupported, j.value("version", 0) == kVersion,
                 "{}: collection version {} (this build reads {}): build it again from its documents with `embed "
                 "index build`",
                 path, j.value("version", 0), kVersion);
  for (const char* key : {"encoder", "backend", "metric", "dim", "sparse"})
    EMBED_CHECK_AS(FormatError, j.contains(key), "{}: no \"{}\"", path, key);
  return j;
}

// The vocabulary of the sparse rows: the TF-IDF options' words, every one
// of them counted.
text::VectorizerOptions counting(const text::VectorizerOptions& tfidf) {
  text::VectorizerOptions c;
  c.analyzer = tfidf.analyzer;
  c.min_df = {1, false};
  c.max_df = {1.0, true};
  c.tf = text::TfScheme::raw;
  c.idf = text::IdfScheme::none;
  c.norm = text::RowNorm::none;
  return c;
}

nlohmann::json bm25_json(const text::Bm25Options& o) {
  return {
      {"k1", o.k1}, {"b", o.b}, {"delta", o.delta}, {"idf", text::bm25_idf_name(o.idf)}, {"k1_plus_1", o.k1_plus_1}};
}

text::Bm25Options bm25_from_json(const nlohmann::json& j) {
  text::Bm25Options o;
  o.k1 = j.at("k1").get<double>();
  o.b = j.at("b").get<double>();
  o.delta = j.at("delta").get<double>();
  o.idf = text::parse_bm25_idf(j.at("idf").get<std::string>());
  o.k1_plus_1 = j.at("k1_plus_1").get<bool>();
  o.validate();
  return o;
}

bool is_zero(const float* v, std::int64_t d) {
  return std::all_of(v, v + d, [](float x) { return x == 0.0f; });
}

}  // namespace

text::VectorizerOptions CollectionOptions::default_tfidf() {
  text::VectorizerOptions v;
  v.analyzer.stem = true;
  v.min_df = {1, false};
  v.max_df = {0.5, true};
  v.tf = text::TfScheme::log;
  return v;
}

SparseScorer parse_sparse_scorer(const std::string& name) {
  if (name == "bm25") return SparseScorer::bm25;
  if (name == "tfidf") return SparseScorer::tfidf;
  throw InvalidArgument(fmt::format("unknown sparse scorer '{}' (bm25 | tfidf)", name));
}

SearchMode parse_search_mode(const std::string& name) {
  if (name == "dense") return SearchMode::dense;
  if (name == "sparse") return SearchMode::sparse;
  if (name == "hybrid") return SearchMode::hybrid;
  throw InvalidArgument(fmt::format("unknown search mode '{}' (dense | sparse | hybrid)", name));
}

nlohmann::json hit_json(const Hit& h) {
  // Metadata is stored as JSON text; a store edited by hand may hold
  // something else, which is then returned as a string.
  nlohmann::json metadata = nlohmann::json::parse(h.document.metadata, nullptr, false);
  if (metadata.is_discarded()) metadata = h.document.metadata;
  nlohmann::json j = {{"rank", h.rank},
                      {"id", h.id},
                      {"score", h.score},
                      {"title", h.document.title},
                      {"text", h.document.text},
                      {"path", h.document.path},
                      {"metadata", std::move(metadata)}};
  if (h.dense_rank > 0) j["dense"] = {{"score", h.dense_score}, {"rank", h.dense_rank}};
  if (h.sparse_rank > 0) j["sparse"] = {{"score", h.sparse_score}, {"rank", h.sparse_rank}};
  if (!h.matched.empty()) {
    nlohmann::json terms = nlohmann::json::array();
    for (const MatchedTerm& m : h.matched)
      terms.push_back({{"term", m.term}, {"query_count", m.query_count}, {"contribution", m.contribution}});
    j["matched_terms"] = std::move(terms);
  }
  return j;
}

nlohmann::json hits_json(const std::vector<Hit>& hits) {
  nlohmann::json out = nlohmann::json::array();
  for (const Hit& h : hits) out.push_back(hit_json(h));
  return out;
}

std::string title_key(const std::string& title) {
  std::string key = title;
  for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return key;
}

std::vector<GroupedHit> group_by_title(const std::vector<Hit>& hits, std::int64_t k, std::int64_t per_group) {
  EMBED_CHECK(k > 0 && per_group > 0, "k and per_group must be positive, got {} and {}", k, per_group);
  std::vector<GroupedHit> groups;
  std::unordered_map<std::string, std::size_t> at;  // folded title -> group
  for (const Hit& h : hits) {                       // hits come best first, so a group's first entry is its best
    std::string key = title_key(h.document.title);
    if (key.empty()) key = fmt::format("\x01{}", h.id);  // untitled: a group of its own
    auto [it, added] = at.emplace(key, groups.size());
    if (added) {
      if (static_cast<std::int64_t>(groups.size()) == k) {  // k groups are full: later titles are not needed
        at.erase(it);
        continue;
      }
      groups.push_back(GroupedHit{static_cast<std::int64_t>(groups.size() + 1), h.document.title, h.score, 0, {}});
    }
    GroupedHit& g = groups[it->second];
    ++g.size;
    if (static_cast<std::int64_t>(g.entries.size()) < per_group) g.entries.push_back(h);
  }
  return groups;
}

nlohmann::json groups_json(const std::vector<GroupedHit>& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const GroupedHit& g : groups)
    out.push_back({{"rank", g.rank},
                   {"title", g.key},
                   {"score", g.score},
                   {"matched_entries", g.size},
                   {"entries", hits_json(g.entries)}});
  return out;
}

std::vector<std::pair<std::int64_t, double>> reciprocal_rank_fusion(
    const std::vector<std::vector<std::int64_t>>& ranked_lists, std::int64_t k, double k_rrf,
    const std::vector<double>& weights) {
  EMBED_CHECK(weights.empty() || weights.size() == ranked_lists.size(), "{} fusion weights for {} lists",
              weights.size(), ranked_lists.size());
  for (double w : weights) EMBED_CHECK(std::isfinite(w) && w >= 0, "fusion weights must be finite and >= 0, got {}", w);
  std::unordered_map<std::int64_t, double> score;
  for (std::size_t l = 0; l < ranked_lists.size(); ++l) {
    const auto& list = ranked_lists[l];
    const double w = weights.empty() ? 1.0 : weights[l];
    for (std::size_t r = 0; r < list.size(); ++r) score[list[r]] += w / (k_rrf + static_cast<double>(r + 1));
  }
  std::vector<std::pair<std::int64_t, double>> fused(score.begin(), score.end());
  std::sort(fused.begin(), fused.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (static_cast<std::int64_t>(fused.size()) > k) fused.resize(static_cast<std::size_t>(k));
  return fused;
}

void Collection::build(const std::string& dir, std::unique_ptr<text::TextEncoder> encoder, std::vector<Document> docs,
                       const CollectionOptions& options) {
  EMBED_CHECK(!fs::exists(dir), "{} already exists (add to it with `embed index add`, or choose a new path)", dir);
  EMBED_CHECK(!docs.empty(), "no documents to build {} from", dir);
  EMBED_CHECK(options.backend == "hnsw" || options.backend == "exact" || options.backend == "ivfpq",
              "unknown index backend '{}' (hnsw | exact | ivfpq)", options.backend);
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path parent = target.parent_path();
  fs::create_directories(parent);
  std::string pattern = (parent / fmt::format(".{}.building-XXXXXX", target.filename().string())).string();
  if (!::mkdtemp(pattern.data()))
    throw IoError(fmt::format("cannot create a directory next to {}: {}", dir, std::strerror(errno)));
  const std::string tmp = pattern;
  try {
    std::vector<std::string> texts;
    texts.reserve(docs.size());
    for (const Document& d : docs) texts.push_back(d.text);
    encoder->fit(texts);

    nlohmann::json manifest = {{"format", kFormat},
                               {"version", kVersion},
                               {"encoder", encoder->spec()},
                               {"backend", options.backend},
                               {"metric", std::string(metric_name(options.metric))},
                               {"dim", encoder->dim()},
                               {"sparse", options.sparse}};
    if (options.backend == "hnsw")
      manifest["hnsw"] = {{"m", options.hnsw.m},
                          {"ef_construction", options.hnsw.ef_construction},
                          {"ef_search", options.hnsw.ef_search},
                          {"seed", options.hnsw.seed}};
    if (options.backend == "ivfpq") {
      const IvfPqIndex probe(encoder->dim(), options.metric, options.ivfpq);  // fills in the defaults, checks
      manifest["ivfpq"] = {{"nlist", probe.options().nlist},
                           {"m", probe.options().m},
                           {"nprobe", probe.options().nprobe},
                           {"train_size", probe.options().train_size},
                           {"seed", probe.options().seed}};
    }
    if (options.sparse) {
      options.bm25.validate();
      text::Vectorizer::fit(texts, counting(options.tfidf)).save((fs::path(tmp) / "terms.json").string());
      manifest["tfidf"] = text::options_to_json(options.tfidf);
      manifest["bm25"] = bm25_json(options.bm25);
    }
    const std::string body = manifest.dump(2) + "\n";
    write_file_atomic((fs::path(tmp) / "manifest.json").string(),
                      [&](int fd) { write_all(fd, body.data(), body.size(), "manifest.json"); });
    DocumentStore::create((fs::path(tmp) / "documents.sqlite").string());
    new_index(manifest)->save(dense_file(tmp, 0));

    Collection c = open(tmp, /*writable=*/true, options.progress);
    c.add(std::move(docs));
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw IoError(fmt::format("cannot move the new collection to {}: {}", dir, why));
  }
}

Collection Collection::open(const std::string& dir, bool writable, bool progress) {
  nlohmann::json manifest = read_manifest(dir);
  int lock_fd = -1;
  if (writable) {
    const std::string lock = (fs::path(dir) / "lock").string();
    lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) throw IoError(fmt::format("{}: cannot open: {}", lock, std::strerror(errno)));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      throw InvalidArgument(fmt::format("{}: another process is writing to this collection", dir));
    }
  }
  Collection c(dir, DocumentStore(DocumentStore::open((fs::path(dir) / "documents.sqlite").string(), writable)));
  c.lock_fd_ = lock_fd;  // released by the destructor, also when what follows throws
  c.progress_ = progress;
  c.manifest_ = std::move(manifest);
  c.encoder_ = text::load_text_encoder(c.manifest_["encoder"]);
  EMBED_CHECK_AS(FormatError, c.encoder_->dim() == c.manifest_["dim"].get<std::int64_t>(),
                 "{}: the encoder gives {} dimensions, the manifest says {}", dir, c.encoder_->dim(),
                 c.manifest_["dim"].dump());
  // A writer may commit generation g+1 and delete dense-g.idx between our
  // reading g and opening the file: read the generation again and retry.
  for (int attempt = 0;; ++attempt) {
    c.generation_ = c.store_.generation();
    try {
      c.index_ = load_index(dense_file(dir, c.generation_));
      break;
    } catch (const IoError&) {
      if (attempt == 4 || c.store_.generation() == c.generation_) {
        throw FormatError(fmt::format("{}: the index of generation {} ({}) is missing", dir, c.generation_,
                                      dense_file(dir, c.generation_)));
      }
    }
  }
  EMBED_CHECK_AS(FormatError, c.index_->dim() == c.encoder_->dim(), "{}: index of {} dimensions, encoder of {}", dir,
                 c.index_->dim(), c.encoder_->dim());
  if (writable) {
    // What an interrupted writer left: index files of other generations and
    // the temporary files of atomic writes.
    const std::string current = fs::path(dense_file(dir, c.generation_)).filename().string();
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      const bool stale_index = name.starts_with("dense-") && name.ends_with(".idx") && name != current;
      if (stale_index || name.find(".tmp.") != std::string::npos) fs::remove(entry.path());
    }
  }
  if (c.manifest_["sparse"].get<bool>()) {
    const std::string terms = (fs::path(dir) / "terms.json").string();
    c.terms_ = text::Vectorizer::load(terms);
    try {
      c.tfidf_options_ = text::options_from_json(c.manifest_.at("tfidf"), dir);
      c.bm25_options_ = bm25_from_json(c.manifest_.at("bm25"));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(fmt::format("{}: manifest.json: bad sparse settings: {}", dir, e.what()));
    } catch (const InvalidArgument& e) {
      throw FormatError(fmt::format("{}: manifest.json: {}", dir, e.what()));
    }
    c.load_sparse();
  }
  return c;
}

Collection::Collection(Collection&& o) noexcept
    : dir_(std::move(o.dir_)),
      store_(std::move(o.store_)),
      manifest_(std::move(o.manifest_)),
      encoder_(std::move(o.encoder_)),
      index_(std::move(o.index_)),
      generation_(o.generation_),
      terms_(std::move(o.terms_)),
      tfidf_options_(std::move(o.tfidf_options_)),
      bm25_options_(o.bm25_options_),
      tfidf_idf_(std::move(o.tfidf_idf_)),
      tfidf_kept_(std::move(o.tfidf_kept_)),
      bm25_stats_(std::move(o.bm25_stats_)),
      tfidf_index_(std::move(o.tfidf_index_)),
      bm25_index_(std::move(o.bm25_index_)),
      sparse_ids_(std::move(o.sparse_ids_)),
      lock_fd_(std::exchange(o.lock_fd_, -1)),
      progress_(o.progress_) {}

Collection& Collection::operator=(Collection&& o) noexcept {
  if (this != &o) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    dir_ = std::move(o.dir_);
    store_ = std::move(o.store_);
    manifest_ = std::move(o.manifest_);
    encoder_ = std::move(o.encoder_);
    index_ = std::move(o.index_);
    generation_ = o.generation_;
    terms_ = std::move(o.terms_);
    tfidf_options_ = std::move(o.tfidf_options_);
    bm25_options_ = o.bm25_options_;
    tfidf_idf_ = std::move(o.tfidf_idf_);
    tfidf_kept_ = std::move(o.tfidf_kept_);
    bm25_stats_ = std::move(o.bm25_stats_);
    tfidf_index_ = std::move(o.tfidf_index_);
    bm25_index_ = std::move(o.bm25_index_);
    sparse_ids_ = std::move(o.sparse_ids_);
    lock_fd_ = std::exchange(o.lock_fd_, -1);
    progress_ = o.progress_;
  }
  return *this;
}

Collection::~Collection() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

void Collection::load_sparse() {
  text::CsrMatrix m;
  m.cols = static_cast<std::int64_t>(terms_->vocabulary().size());
  sparse_ids_.clear();
  store_.for_each_sparse([&](std::int64_t id, std::span<const std::int32_t> terms, std::span<const float> counts) {
    for (std::size_t i = 0; i < terms.size(); ++i) {
      EMBED_CHECK_AS(FormatError, terms[i] >= 0 && terms[i] < m.cols && (i == 0 || terms[i] > terms[i - 1]),
                     "{}: document {}: sparse term {} out of order or outside the vocabulary", dir_, id, terms[i]);
      EMBED_CHECK_AS(FormatError, counts[i] > 0 && counts[i] == std::floor(counts[i]),
                     "{}: document {}: term count {} is not a positive whole number", dir_, id, counts[i]);
      m.indices.push_back(terms[i]);
      m.data.push_back(counts[i]);
    }
    m.indptr.push_back(static_cast<std::int64_t>(m.indices.size()));
    sparse_ids_.push_back(id);
  });
  m.rows = static_cast<std::int64_t>(sparse_ids_.size());
  m.validate(dir_ + " sparse rows");
  // BM25 and TF-IDF from the same counts, with N and df of the documents
  // stored now (so both follow the documents added since the build).
  bm25_stats_ = text::Bm25Stats::of(m);
  bm25_index_ = std::make_unique<text::SparseIndex>(text::bm25_weights(m, bm25_options_, bm25_stats_),
                                                    text::SparseScore::inner_product);
  // TF-IDF keeps the terms whose df lies within the bounds, as a vectorizer
  // fitted on these documents would; when that leaves none (a handful of
  // documents), every term.
  const std::int64_t n = m.rows;
  const double lo = tfidf_options_.min_df.documents(n), hi = tfidf_options_.max_df.documents(n);
  tfidf_kept_.assign(static_cast<std::size_t>(m.cols), 0);
  bool any = false;
  for (std::size_t t = 0; t < tfidf_kept_.size(); ++t) {
    const auto df = static_cast<double>(bm25_stats_.df[t]);
    tfidf_kept_[t] = df > 0 && df >= lo && df <= hi;
    any = any || tfidf_kept_[t];
  }
  if (!any)
    for (std::size_t t = 0; t < tfidf_kept_.size(); ++t) tfidf_kept_[t] = bm25_stats_.df[t] > 0;
  tfidf_idf_.assign(static_cast<std::size_t>(m.cols), 1.0);
  if (tfidf_options_.idf != text::IdfScheme::none)
    for (std::size_t t = 0; t < tfidf_idf_.size(); ++t)
      if (tfidf_kept_[t])
        tfidf_idf_[t] = text::idf_weight(tfidf_options_.idf, tfidf_options_.clip_idf, n, bm25_stats_.df[t]);
  weigh_tfidf(m);
  tfidf_index_ = std::make_unique<text::SparseIndex>(m, text::SparseScore::cosine);
}

void Collection::weigh_tfidf(text::CsrMatrix& counts) const {
  text::CsrMatrix kept;
  kept.rows = counts.rows;
  kept.cols = counts.cols;
  for (std::int64_t r = 0; r < counts.rows; ++r) {
    for (auto k = counts.indptr[static_cast<std::size_t>(r)]; k < counts.indptr[static_cast<std::size_t>(r + 1)]; ++k)
      if (tfidf_kept_[static_cast<std::size_t>(counts.indices[static_cast<std::size_t>(k)])]) {
        kept.indices.push_back(counts.indices[static_cast<std::size_t>(k)]);
        kept.data.push_back(counts.data[static_cast<std::size_t>(k)]);
      }
    kept.indptr.push_back(static_cast<std::int64_t>(kept.data.size()));
  }
  text::VectorizerOptions weighting = tfidf_options_;
  weighting.norm = text::RowNorm::l2;  // cosine: unit rows, whatever norm the options name
  text::weigh_counts(kept, weighting, tfidf_options_.idf == text::IdfScheme::none ? std::vector<double>{} : tfidf_idf_);
  counts = std::move(kept);
}

std::int64_t Collection::add(std::vector<Document> docs) {
  EMBED_CHECK(lock_fd_ >= 0, "{}: opened for searching only; open it writable to add", dir_);
  if (docs.empty()) return 0;
  std::int64_t next = store_.next_id();
  for (const Document& d : docs) next = std::max(next, d.id + 1);
  for (Document& d : docs)
    if (d.id < 0) d.id = next++;

  const std::int64_t n = static_cast<std::int64_t>(docs.size()), dim = encoder_->dim();
  std::vector<float> vectors(static_cast<std::size_t>(n * dim));
  {
    Progress bar("embedding", n, "docs", Progress::Options{.enabled = progress_});
    for (std::int64_t b = 0; b < n; b += kBatch) {
      check_interrupted("embedding");
      const std::int64_t e = std::min(n, b + kBatch);
      std::vector<std::string> texts;
      for (std::int64_t i = b; i < e; ++i) texts.push_back(docs[static_cast<std::size_t>(i)].text);
      const std::vector<float> v = encoder_->encode(texts);
      std::copy(v.begin(), v.end(), vectors.begin() + b * dim);
      bar.advance(e - b);
    }
  }
  if (terms_) {
    std::vector<std::string> texts;
    for (const Document& d : docs) texts.push_back(d.text);
    const text::CsrMatrix m = terms_->transform(texts);  // counts
    for (std::int64_t i = 0; i < n; ++i) {
      Document& d = docs[static_cast<std::size_t>(i)];
      d.sparse_terms.clear();
      d.sparse_weights.clear();
      for (std::int64_t p = m.indptr[static_cast<std::size_t>(i)]; p < m.indptr[static_cast<std::size_t>(i + 1)]; ++p) {
        d.sparse_terms.push_back(m.indices[static_cast<std::size_t>(p)]);
        d.sparse_weights.push_back(static_cast<float>(m.data[static_cast<std::size_t>(p)]));
      }
    }
  }
  // Only documents with something to embed go into the dense index.
  std::vector<std::int64_t> dense_ids;
  std::vector<float> dense;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* v = vectors.data() + i * dim;
    if (is_zero(v, dim)) continue;
    EMBED_CHECK(!index_->contains(docs[static_cast<std::size_t>(i)].id), "document id {} is already in {}",
                docs[static_cast<std::size_t>(i)].id, dir_);
    dense_ids.push_back(docs[static_cast<std::size_t>(i)].id);
    dense.insert(dense.end(), v, v + dim);
  }
  const std::int64_t next_generation = generation_ + 1;
  try {
    const std::int64_t m = static_cast<std::int64_t>(dense_ids.size());
    Progress bar("indexing", m, "docs", Progress::Options{.enabled = progress_});
    for (std::int64_t b = 0; b < m; b += kBatch) {
      check_interrupted("indexing");
      const std::int64_t e = std::min(m, b + kBatch);
      index_->add(dense.data() + b * dim, e - b, dense_ids.data() + b);
      bar.advance(e - b);
    }
    bar.finish();
    index_->save(dense_file(dir_, next_generation));
    store_.insert(docs, next_generation);  // the commit point
  } catch (...) {
    // The in-memory index holds part of this batch: go back to the file.
    std::error_code ignored;
    if (store_.generation() != next_generation) {
      fs::remove(dense_file(dir_, next_generation), ignored);
      index_ = load_index(dense_file(dir_, generation_));
    }
    throw;
  }
  std::error_code ignored;
  fs::remove(dense_file(dir_, generation_), ignored);
  generation_ = next_generation;
  if (terms_) load_sparse();
  return static_cast<std::int64_t>(dense_ids.size());
}

void Collection::set_nprobe(std::int64_t nprobe) {
  auto* ivf = dynamic_cast<IvfPqIndex*>(index_.get());
  EMBED_CHECK(ivf != nullptr, "nprobe applies to IVF-PQ collections; this one is {}", index_->kind());
  ivf->set_nprobe(nprobe);
}

void Collection::set_ef_search(std::int64_t ef) {
  auto* hnsw = dynamic_cast<HnswIndex*>(index_.get());
  EMBED_CHECK(hnsw != nullptr, "ef_search applies to HNSW collections; this one is {}", index_->kind());
  hnsw->set_ef_search(ef);
}

std::vector<std::vector<std::int64_t>> Collection::dense_ranking(const std::vector<std::string>& queries,
                                                                 std::int64_t k,
                                                                 std::vector<std::vector<double>>& scores) const {
  const std::int64_t dim = encoder_->dim();
  const std::vector<float> q = encoder_->encode(queries);
  std::vector<std::vector<std::int64_t>> ids(queries.size());
  scores.assign(queries.size(), {});
  std::vector<std::int64_t> rows;
  std::vector<float> batch;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const float* v = q.data() + static_cast<std::int64_t>(i) * dim;
    if (is_zero(v, dim)) continue;  // nothing to embed: no dense neighbours
    rows.push_back(static_cast<std::int64_t>(i));
    batch.insert(batch.end(), v, v + dim);
  }
  if (rows.empty() || index_->size() == 0) return ids;
  const SearchResults r = index_->search(batch.data(), static_cast<std::int64_t>(rows.size()), k);
  for (std::size_t j = 0; j < rows.size(); ++j)
    for (std::int64_t c = 0; c < r.k; ++c) {
      const std::size_t at = j * static_cast<std::size_t>(r.k) + static_cast<std::size_t>(c);
      if (r.ids[at] < 0) break;
      ids[static_cast<std::size_t>(rows[j])].push_back(r.ids[at]);
      scores[static_cast<std::size_t>(rows[j])].push_back(r.scores[at]);
    }
  return ids;
}

std::vector<std::vector<std::int64_t>> Collection::sparse_ranking(const text::CsrMatrix& query_counts,
                                                                  SparseScorer scorer, std::int64_t k,
                                                                  std::vector<std::vector<double>>& scores) const {
  std::vector<std::vector<text::SparseHit>> hits;
  if (scorer == SparseScorer::bm25) {
    hits = bm25_index_->search(query_counts, k);
  } else {
    text::CsrMatrix q = query_counts;
    weigh_tfidf(q);
    hits = tfidf_index_->search(q, k);
  }
  std::vector<std::vector<std::int64_t>> ids(hits.size());
  scores.assign(hits.size(), {});
  for (std::size_t i = 0; i < hits.size(); ++i)
    for (const text::SparseHit& h : hits[i]) {
      ids[i].push_back(sparse_ids_[static_cast<std::size_t>(h.row)]);
      scores[i].push_back(h.score);
    }
  return ids;
}

std::vector<MatchedTerm> Collection::explain(const text::CsrMatrix& query_counts, std::int64_t query, const Document& d,
                                             SparseScorer scorer) const {
  const auto one_row = [&](std::span<const std::int32_t> terms, std::span<const double> values) {
    text::CsrMatrix m;
    m.rows = 1;
    m.cols = query_counts.cols;
    m.indices.assign(terms.begin(), terms.end());
    m.data.assign(values.begin(), values.end());
    m.indptr = {0, static_cast<std::int64_t>(m.data.size())};
    return m;
  };
  const auto qb = static_cast<std::size_t>(query_counts.indptr[static_cast<std::size_t>(query)]);
  const auto qe = static_cast<std::size_t>(query_counts.indptr[static_cast<std::size_t>(query + 1)]);
  const std::span<const std::int32_t> q_terms(query_counts.indices.data() + qb, qe - qb);
  const std::span<const double> q_counts(query_counts.data.data() + qb, qe - qb);
  // The document's row and the query's as the index weighed them, from their counts.
  const std::vector<double> doc_counts(d.sparse_weights.begin(), d.sparse_weights.end());
  text::CsrMatrix row = one_row(d.sparse_terms, doc_counts), q = one_row(q_terms, q_counts);
  if (scorer == SparseScorer::bm25) {
    double dl = 0;
    for (double c : row.data) dl += c;
    for (std::size_t k = 0; k < row.data.size(); ++k)
      row.data[k] = text::bm25_weight(bm25_options_, bm25_stats_,
                                      bm25_stats_.df[static_cast<std::size_t>(row.indices[k])], row.data[k], dl);
  } else {
    weigh_tfidf(row);
    weigh_tfidf(q);
  }
  // Both rows are sorted by term: walk them together.
  std::vector<MatchedTerm> out;
  for (std::size_t i = 0, j = 0; i < q.indices.size() && j < row.indices.size();) {
    if (q.indices[i] != row.indices[j]) {
      (q.indices[i] < row.indices[j] ? i : j)++;
      continue;
    }
    const auto t = static_cast<std::size_t>(q.indices[i]);
    const auto c = std::lower_bound(q_terms.begin(), q_terms.end(), q.indices[i]);
    const double count = q_counts[static_cast<std::size_t>(c - q_terms.begin())];
    const double share = scorer == SparseScorer::bm25 ? count * row.data[j] : q.data[i] * row.data[j];
    if (share != 0) out.push_back({terms_->vocabulary()[t], count, share});
    ++i;
    ++j;
  }
  std::sort(out.begin(), out.end(), [](const MatchedTerm& a, const MatchedTerm& b) {
    return a.contribution != b.contribution ? a.contribution > b.contribution : a.term < b.term;
  });
  return out;
}

std::vector<std::vector<Hit>> Collection::search(const std::vector<std::string>& queries, std::int64_t k,
                                                 const QueryOptions& options) const {
  const SearchMode mode = options.mode;
  EMBED_CHECK(k > 0, "k must be positive, got {}", k);
  EMBED_CHECK(mode == SearchMode::dense || terms_.has_value(),
              "{} keeps no sparse rows (it was built without them): only dense search", dir_);
  // Each list of a hybrid search looks deeper than k so that fusion has
  // candidates that only one of them ranks highly.
  const std::int64_t depth = mode == SearchMode::hybrid ? std::max<std::int64_t>(k, 100) : k;
  std::vector<std::vector<double>> dense_scores, sparse_scores;
  std::vector<std::vector<std::int64_t>> dense, sparse;
  text::CsrMatrix query_counts;
  if (mode != SearchMode::sparse) dense = dense_ranking(queries, depth, dense_scores);
  if (mode != SearchMode::dense) {
    query_counts = terms_->transform(queries);
    sparse = sparse_ranking(query_counts, options.sparse, depth, sparse_scores);
  }

  std::vector<std::vector<Hit>> out(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    std::vector<std::pair<std::int64_t, double>> ranked;
    if (mode == SearchMode::hybrid) {
      ranked = reciprocal_rank_fusion({dense[i], sparse[i]}, k, 60.0, {1.0, options.sparse_weight});
    } else {
      const auto& ids = mode == SearchMode::dense ? dense[i] : sparse[i];
      const auto& s = mode == SearchMode::dense ? dense_scores[i] : sparse_scores[i];
      for (std::size_t j = 0; j < ids.size(); ++j) ranked.emplace_back(ids[j], s[j]);
    }
    // Where each list put each document, for scores a person can read.
    std::unordered_map<std::int64_t, std::size_t> dense_at, sparse_at;
    if (mode != SearchMode::sparse)
      for (std::size_t j = 0; j < dense[i].size(); ++j) dense_at.emplace(dense[i][j], j);
    if (mode != SearchMode::dense)
      for (std::size_t j = 0; j < sparse[i].size(); ++j) sparse_at.emplace(sparse[i][j], j);
    std::vector<std::int64_t> ids;
    for (const auto& [id, score] : ranked) ids.push_back(id);
    std::vector<std::optional<Document>> docs = store_.get(ids);
    for (std::size_t j = 0; j < ranked.size(); ++j) {
      EMBED_CHECK_AS(FormatError, docs[j].has_value(), "{}: id {} is indexed but not in the document store", dir_,
                     ranked[j].first);
      Hit h;
      h.rank = static_cast<std::int64_t>(j + 1);
      h.id = ranked[j].first;
      h.score = ranked[j].second;
      h.document = std::move(*docs[j]);
      if (auto d = dense_at.find(h.id); d != dense_at.end()) {
        h.dense_rank = static_cast<std::int64_t>(d->second + 1);
        h.dense_score = dense_scores[i][d->second];
      }
      if (auto sp = sparse_at.find(h.id); sp != sparse_at.end()) {
        h.sparse_rank = static_cast<std::int64_t>(sp->second + 1);
        h.sparse_score = sparse_scores[i][sp->second];
      }
      if (options.explain && mode != SearchMode::dense)
        h.matched = explain(query_counts, static_cast<std::int64_t>(i), h.document, options.sparse);
      out[i].push_back(std::move(h));
    }
  }
  return out;
}

std::vector<std::vector<GroupedHit>> Collection::search_grouped(const std::vector<std::string>& queries, std::int64_t k,
                                                                const QueryOptions& options, std::int64_t per_group,
                                                                std::int64_t depth) const {
  const auto hits = search(queries, std::max(k, depth), options);
  std::vector<std::vector<GroupedHit>> out;
  out.reserve(hits.size());
  for (const auto& h : hits) out.push_back(group_by_title(h, k, per_group));
  return out;
}

}  // namespace embed::search
