// A collection: documents, their dense vectors in an index and (optionally)
// their TF-IDF rows, in one directory:
//   manifest.json        what the collection is: the text encoder's spec, the
//                        index backend and metric, whether it keeps sparse rows
//   documents.sqlite     the documents (DocumentStore) and the generation
//   dense-<gen>.idx      the index of the dense vectors at that generation
//   terms.json           the sparse vocabulary fitted at build time: every
//                        word of the documents, counted (a counting
//                        Vectorizer); each document's sparse row in the
//                        store holds its raw counts, from which both sparse
//                        scorers (TF-IDF cosine, BM25) are computed on open
//                        with the settings of the manifest
//   lock                 held (flock) by the one process that may write
//
// Crash safety (kill -9 at any instant leaves the old or the new state):
// add() writes dense-<gen+1>.idx atomically first, then commits the new
// documents and generation gen+1 in one SQLite transaction, and only then
// removes dense-<gen>.idx. The store's generation names the index file to
// read, so before the commit readers see gen and after it gen+1; a crash
// before the commit leaves an orphan index file, which the next writer
// deletes. build() makes the whole directory under a temporary name and
// renames it into place at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "embed/search/document_store.h"
#include "embed/search/hnsw_index.h"
#include "embed/search/index.h"
#include "embed/search/ivfpq_index.h"
#include "embed/text/sentence/text_encoder.h"
#include "embed/text/sparse/bm25.h"
#include "embed/text/sparse/sparse_search.h"
#include "embed/text/sparse/vectorizer.h"

namespace embed::search {

struct CollectionOptions {
  std::string backend = "hnsw";  // hnsw | exact | ivfpq
  Metric metric = Metric::cosine;
  HnswOptions hnsw;
  IvfPqOptions ivfpq;
  bool sparse = true;  // keep sparse rows (term counts) for sparse and hybrid search
  // The words and the TF-IDF weighting of the sparse rows (max_features is
  // not used: every word of the documents is counted); BM25's parameters.
  text::VectorizerOptions tfidf = default_tfidf();
  text::Bm25Options bm25;
  bool progress = true;  // progress bars on stderr

  // Words (scikit-learn's pattern, lower-cased) reduced to their Porter2
  // stems (BM25 finds "oar" for "oars": on the main job's descriptions
  // accuracy@10 0.44 -> 0.50, docs/BENCHMARKS.md), sublinear tf, smooth idf,
  // leaving out terms in more than half of the documents (unless that
  // leaves none, as in a tiny collection).
  static text::VectorizerOptions default_tfidf();
};

enum class SearchMode { dense, sparse, hybrid };
SearchMode parse_search_mode(const std::string& name);  // dense | sparse | hybrid
// The sparse list: BM25 over the term counts, or cosine of TF-IDF rows.
enum class SparseScorer { bm25, tfidf };
SparseScorer parse_sparse_scorer(const std::string& name);  // bm25 | tfidf

struct QueryOptions {
  SearchMode mode = SearchMode::dense;
  SparseScorer sparse = SparseScorer::bm25;
  bool explain = false;  // name the matched terms of each hit (sparse and hybrid)
  // Hybrid: the sparse list's weight in the fusion, the dense list's being 1.
  double sparse_weight = 1.0;
};

// A query term found in a document and what it added to the sparse score
// (BM25: count in the query x w(t, d); TF-IDF: the product of the two unit
// rows' weights).
struct MatchedTerm {
  std::string term;
  double query_count = 0;
  double contribution = 0;
};

struct Hit {
  std::int64_t rank = 0;  // 1 = best
  std::int64_t id = -1;
  double score = 0;  // the index's score (dense), cosine (sparse) or the fused RRF score (hybrid)
  Document document;
  // What each list said of this document, so that a person can read a fused
  // result: the dense score (cosine for a cosine collection) and the sparse
  // score, with the document's rank in each list (1 = best); rank 0 where
  // the document was not in that list (its score is then 0 and means nothing).
  double dense_score = 0, sparse_score = 0;
  std::int64_t dense_rank = 0, sparse_rank = 0;
  std::vector<MatchedTerm> matched;  // with QueryOptions::explain, largest contribution first
};

// {"rank", "id", "score", "title", "text", "path", "metadata"} for each hit
// of one query, as `embed search --json` and /v1/search answer, with
// "dense": {"score", "rank"} and "sparse": {...} for the lists it was in,
// and "matched_terms": [{"term", "query_count", "contribution"}] when explained.
nlohmann::json hits_json(const std::vector<Hit>& hits);
nlohmann::json hit_json(const Hit& hit);

// Hits grouped by a document field: one result per distinct title (a word of
// a dictionary rather than each of its entries). A group ranks where its best
// entry ranks, scores that entry's score, and keeps its best `per_group`
// entries, best first. Titles are compared ignoring ASCII case ("Salt" and
// "salt" are one word); documents without a title each stay alone.
struct GroupedHit {
  std::int64_t rank = 0;  // 1 = best
  std::string key;        // the title of the best entry
  double score = 0;       // the best entry's score
  std::int64_t size = 0;  // entries of the group among the hits, also those not kept
  std::vector<Hit> entries;
};
std::vector<GroupedHit> group_by_title(const std::vector<Hit>& hits, std::int64_t k, std::int64_t per_group);
// What titles are grouped by: the title with ASCII letters in lower case.
std::string title_key(const std::string& title);
// {"rank", "title", "score", "entries": [hit_json...], "matched_entries"} per group.
nlohmann::json groups_json(const std::vector<GroupedHit>& groups);

// Reciprocal-rank fusion (Cormack, Clarke & Buettcher 2009): each id scores
// sum over the lists it appears in of w_list / (k_rrf + rank), ranks from 1,
// w_list = 1 unless `weights` (one per list) says otherwise; ties go to the
// smaller id. Returns the best `k` as (id, score).
std::vector<std::pair<std::int64_t, double>> reciprocal_rank_fusion(
    const std::vector<std::vector<std::int64_t>>& ranked_lists, std::int64_t k, double k_rrf = 60.0,
    const std::vector<double>& weights = {});

class Collection {
 public:
  // Builds a new collection at `dir` (which must not exist) from `docs`
  // (ids below 0 get 0, 1, 2, ... in order). The encoder is fit() to the
  // documents first.
  static void build(const std::string& dir, std::unique_ptr<text::TextEncoder> encoder, std::vector<Document> docs,
                    const CollectionOptions& options);
  // Opens a collection for searching, or for adding too (writable: takes
  // the directory's lock, failing at once when another process holds it,
  // and removes what an interrupted writer left behind).
  static Collection open(const std::string& dir, bool writable = false, bool progress = true);

  Collection(Collection&&) noexcept;
  Collection& operator=(Collection&&) noexcept;
  ~Collection();

  // Adds documents (ids below 0 get the next free ids); atomic as described
  // above. Returns how many were added to the dense index (documents with
  // nothing to embed are stored and found by sparse search only).
  std::int64_t add(std::vector<Document> docs);
  std::vector<std::vector<Hit>> search(const std::vector<std::string>& queries, std::int64_t k,
                                       const QueryOptions& options) const;
  std::vector<std::vector<Hit>> search(const std::vector<std::string>& queries, std::int64_t k,
                                       SearchMode mode = SearchMode::dense) const {
    return search(queries, k, QueryOptions{.mode = mode});
  }
  // The k best titles for each query (group_by_title over a deeper search:
  // `depth` documents, at least k).
  std::vector<std::vector<GroupedHit>> search_grouped(const std::vector<std::string>& queries, std::int64_t k,
                                                      const QueryOptions& options, std::int64_t per_group,
                                                      std::int64_t depth) const;

  // HNSW's search-time candidate list, IVF-PQ's cells visited per query
  // (InvalidArgument for other backends).
  void set_ef_search(std::int64_t ef);
  void set_nprobe(std::int64_t nprobe);

  std::int64_t size() const { return store_.count(); }
  std::int64_t generation() const { return generation_; }
  const text::TextEncoder& encoder() const { return *encoder_; }
  const Index& index() const { return *index_; }
  const nlohmann::json& manifest() const { return manifest_; }
  // The stored documents with these ids, in order; nullopt where absent.
  std::vector<std::optional<Document>> documents(const std::vector<std::int64_t>& ids) const { return store_.get(ids); }
  bool has_sparse() const { return terms_.has_value(); }

 private:
  Collection(std::string dir, DocumentStore store) : dir_(std::move(dir)), store_(std::move(store)) {}
  void load_sparse();
  std::vector<std::vector<std::int64_t>> dense_ranking(const std::vector<std::string>& queries, std::int64_t k,
                                                       std::vector<std::vector<double>>& scores) const;
  std::vector<std::vector<std::int64_t>> sparse_ranking(const text::CsrMatrix& query_counts, SparseScorer scorer,
                                                        std::int64_t k, std::vector<std::vector<double>>& scores) const;
  // Counts -> TF-IDF unit rows over the kept terms (zero outside them).
  void weigh_tfidf(text::CsrMatrix& counts) const;
  std::vector<MatchedTerm> explain(const text::CsrMatrix& query_counts, std::int64_t query, const Document& d,
                                   SparseScorer scorer) const;

  std::string dir_;
  DocumentStore store_;
  nlohmann::json manifest_;
  std::unique_ptr<text::TextEncoder> encoder_;
  std::unique_ptr<Index> index_;
  std::int64_t generation_ = 0;
  std::optional<text::Vectorizer> terms_;  // the counting vocabulary
  text::VectorizerOptions tfidf_options_;
  text::Bm25Options bm25_options_;
  std::vector<double> tfidf_idf_;  // per term; 0 for a term outside the df bounds (not counted)
  std::vector<char> tfidf_kept_;   // per term: inside the df bounds
  text::Bm25Stats bm25_stats_;
  std::unique_ptr<text::SparseIndex> tfidf_index_, bm25_index_;
  std::vector<std::int64_t> sparse_ids_;  // row of the sparse indexes -> document id
  int lock_fd_ = -1;
  bool progress_ = true;
};

}  // namespace embed::search
