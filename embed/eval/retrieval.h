// Retrieval metrics as trec_eval / pytrec_eval and BEIR define them, and the
// files they read: relevance judgements (BEIR's qrels TSV or TREC qrels),
// runs (TREC run files) and BEIR's queries.jsonl / corpus.jsonl.
//
// Ranking (trec_eval's comp_sim_docno): a query's results are ordered by
// score, descending, equal scores by document id descending (byte order);
// the ranks a run file states are ignored, as trec_eval ignores them. A
// document is relevant when its judged relevance is >= 1; unjudged ones
// count as 0. With rel_i the relevance at rank i and R the relevant documents:
//   ndcg@k      sum_{i<=k} rel_i / log2(i + 1) over the same sum for the ideal
//               order of all judged relevances > 0 (ndcg_cut: gain = relevance)
//   mrr@k       1 / rank of the first relevant document in the top k, else 0
//               (BEIR's MRR@k)
//   map@k       sum over relevant documents in the top k of the precision at
//               their rank, / |R| (map_cut)
//   recall@k    relevant documents in the top k / |R|
//   precision@k relevant documents in the top k / k (P.k)
//   accuracy@k  1 if a relevant document is in the top k, else 0
//               (sentence-transformers' InformationRetrievalEvaluator)
// The mean runs over the judged queries (those with |R| >= 1); a judged query
// without results scores 0 everywhere (trec_eval -c; BEIR drops such a query
// from its nDCG/MAP/recall means but keeps it for MRR). Also kept per query:
// the rank of the first relevant document (0: none within the run), whose
// median over the judged queries the report gives.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace embed::eval {

// query id -> document id -> relevance
using Qrels = std::map<std::string, std::map<std::string, int>>;
// query id -> (document id, score), in any order
using Run = std::map<std::string, std::vector<std::pair<std::string, double>>>;

struct QueryMetrics {
  std::map<std::string, double> values;  // "ndcg@10" -> ...
  std::int64_t first_relevant = 0;       // 1-based rank, 0: none in the run
};

struct RetrievalReport {
  std::vector<std::int64_t> cutoffs;
  std::map<std::string, double> mean;  // over the judged queries
  std::map<std::string, QueryMetrics> per_query;
  std::int64_t judged = 0;
  // Median rank of the first relevant document over the judged queries, a
  // query without one counting as beyond every rank; found = false when
  // the median query has none (then "> the run's depth").
  double median_first_relevant = 0;
  bool median_found = false;
};

// Metric names in report order: ndcg, mrr, map, recall, precision, accuracy, each "@k".
std::vector<std::string> metric_names(const std::vector<std::int64_t>& cutoffs);

// InvalidArgument for no cutoffs, a cutoff < 1 or non-finite scores.
RetrievalReport evaluate_retrieval(const Run& run, const Qrels& qrels, const std::vector<std::int64_t>& cutoffs);

// Parsers; `name` names the source in FormatError messages ("file:line").
// Qrels: BEIR's TSV (query-id TAB corpus-id TAB score, an optional header
// line "query-id corpus-id score") or TREC's "qid iter docid rel" (spaces
// or tabs; ids hold no white space). A pair judged twice is an error.
Qrels parse_qrels(std::string_view text, const std::string& name);
// TREC run lines "qid Q0 docid rank score tag"; a document twice for one
// query is an error.
Run parse_trec_run(std::string_view text, const std::string& name);
// BEIR jsonl: one object per line with a string "_id" and a string "text"
// (queries.jsonl, corpus.jsonl: also "title"); returns (id, title, text) in
// file order; repeated ids are errors.
struct BeirRecord {
  std::string id, title, text;
};
std::vector<BeirRecord> parse_beir_jsonl(std::string_view text, const std::string& name);

// A TREC run file of `run` (ranks as our order gives them), atomic.
void save_trec_run(const std::string& path, const Run& run, const std::string& tag);

}  // namespace embed::eval
