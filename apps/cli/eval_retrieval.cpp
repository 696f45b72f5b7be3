// `embed eval retrieval`: retrieval metrics (embed/eval/retrieval.h) of a
// TREC run file, or of a collection's own search in each mode, against
// relevance judgements: BEIR's layout (queries.jsonl, qrels/test.tsv,
// corpus.jsonl) or TREC qrels.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/eval/retrieval.h"
#include "embed/io/atomic_file.h"
#include "embed/search/collection.h"

namespace embed::cli {

namespace fs = std::filesystem;

namespace {

std::string document_id(const search::Hit& h) {
  // A collection built from a BEIR corpus keeps the corpus's "_id" in its metadata.
  const auto m = nlohmann::json::parse(h.document.metadata, nullptr, false);
  if (m.is_object() && m.contains("_id")) {
    if (m["_id"].is_string()) return m["_id"].get<std::string>();
    if (m["_id"].is_number_integer()) return std::to_string(m["_id"].get<std::int64_t>());
  }
  return std::to_string(h.id);
}

// Judgements of documents -> judgements of their titles (the best relevance
// among a title's judged documents), for runs grouped by title.
eval::Qrels qrels_by_title(const eval::Qrels& qrels, const std::map<std::string, std::string>& title_of) {
  eval::Qrels out;
  for (const auto& [query, judged] : qrels)
    for (const auto& [doc, rel] : judged) {
      auto t = title_of.find(doc);
      EMBED_CHECK(t != title_of.end(), "judged document {} (query {}) is not in the corpus", doc, query);
      const std::string key = search::title_key(t->second);
      auto [it, added] = out[query].emplace(key, rel);
      if (!added) it->second = std::max(it->second, rel);
    }
  return out;
}

void print_report(const std::vector<std::string>& labels, const std::vector<eval::RetrievalReport>& reports,
                  std::int64_t depth) {
  std::cout << fmt::format("{:<14}", "metric");
  for (const auto& l : labels) std::cout << fmt::format(" {:>14}", l);
  std::cout << '\n';
  for (const std::string& name : eval::metric_names(reports.front().cutoffs)) {
    std::cout << fmt::format("{:<14}", name);
    for (const auto& r : reports) std::cout << fmt::format(" {:>14.4f}", r.mean.at(name));
    std::cout << '\n';
  }
  std::cout << fmt::format("{:<14}", "median rank");
  for (const auto& r : reports)
    std::cout << fmt::format(" {:>14}",
                             r.median_found ? fmt::format("{:g}", r.median_first_relevant) : fmt::format(">{}", depth));
  std::cout << fmt::format("\n{} judged queries\n", reports.front().judged);
}

}  // namespace

int run_eval_retrieval(const EvalRetrievalOptions& o) {
  std::string qrels_path = o.qrels, queries_path = o.queries, corpus_path;
  if (!o.beir.empty()) {
    if (qrels_path.empty()) qrels_path = (fs::path(o.beir) / "qrels" / (o.split + ".tsv")).string();
    if (queries_path.empty()) queries_path = (fs::path(o.beir) / "queries.jsonl").string();
    corpus_path = (fs::path(o.beir) / "corpus.jsonl").string();
  }
  EMBED_CHECK(!qrels_path.empty(), "give the judgements: --qrels FILE or --beir DIR");
  const eval::Qrels qrels = eval::parse_qrels(read_file(qrels_path), qrels_path);
  std::vector<std::string> labels;
  std::vector<eval::Run> runs;
  std::int64_t depth = o.depth;
  std::optional<search::Collection> collection;  // opened once: searched, then asked for titles
  if (!o.run.empty()) {
    EMBED_CHECK(o.collection.empty(), "give either --run or --collection, not both");
    runs.push_back(eval::parse_trec_run(read_file(o.run), o.run));
    labels.push_back(fs::path(o.run).filename().string());
    depth = 0;
    for (const auto& [q, docs] : runs.back())
      depth = std::max<std::int64_t>(depth, static_cast<std::int64_t>(docs.size()));
  } else {
    EMBED_CHECK(!o.collection.empty(), "give a run (--run FILE) or a collection to search (--collection DIR)");
    EMBED_CHECK(!queries_path.empty(), "give the queries: --queries queries.jsonl or --beir DIR");
    const auto queries = eval::parse_beir_jsonl(read_file(queries_path), queries_path);
    std::vector<std::string> texts, ids;
    for (const auto& q : queries) {
      ids.push_back(q.id);
      texts.push_back(q.text);
    }
    collection.emplace(search::Collection::open(o.collection, /*writable=*/false, /*progress=*/false));
    const search::Collection& c = *collection;
    const search::SparseScorer sparse = search::parse_sparse_scorer(o.sparse);
    for (const std::string& mode_name : o.modes) {
      const search::QueryOptions query{
          .mode = search::parse_search_mode(mode_name), .sparse = sparse, .sparse_weight = o.sparse_weight};
      eval::Run run;
      if (o.group_by.empty()) {
        const auto hits = c.search(texts, depth, query);
        for (std::size_t q = 0; q < hits.size(); ++q) {
          auto& list = run[ids[q]];
          for (const auto& h : hits[q]) list.emplace_back(document_id(h), h.score);
        }
      } else {
        const auto groups = c.search_grouped(texts, depth, query, 1, std::max<std::int64_t>(100, 10 * depth));
        for (std::size_t q = 0; q < groups.size(); ++q) {
          auto& list = run[ids[q]];
          // Scores by rank, so that the metrics keep the order the search gave (RRF scores tie often).
          for (const auto& g : groups[q]) list.emplace_back(search::title_key(g.key), -static_cast<double>(g.rank));
        }
      }
      runs.push_back(std::move(run));
      labels.push_back(mode_name == "dense" ? mode_name : fmt::format("{}/{}", mode_name, o.sparse));
    }
  }
  eval::Qrels judged = qrels;
  if (!o.group_by.empty()) {
    EMBED_CHECK(o.run.empty(), "--group-by applies to a collection's search, not to a run file");
    std::map<std::string, std::string> title_of;
    if (!corpus_path.empty() && fs::exists(corpus_path)) {
      for (auto& r : eval::parse_beir_jsonl(read_file(corpus_path), corpus_path)) title_of[r.id] = r.title;
    } else {
      std::vector<std::int64_t> ids;
      for (const auto& [q, docs] : qrels)
        for (const auto& [d, rel] : docs) {
          long long v = 0;
          EMBED_CHECK(std::sscanf(d.c_str(), "%lld", &v) == 1 && std::to_string(v) == d,
                      "judged document '{}' is not a collection id: give --beir DIR with its corpus.jsonl", d);
          ids.push_back(v);
        }
      const auto docs = collection->documents(ids);
      for (std::size_t i = 0; i < ids.size(); ++i)
        if (docs[i]) title_of[std::to_string(ids[i])] = docs[i]->title;
    }
    judged = qrels_by_title(qrels, title_of);
  }
  std::vector<eval::RetrievalReport> reports;
  for (const auto& run : runs) reports.push_back(eval::evaluate_retrieval(run, judged, o.cutoffs));
  EMBED_CHECK(reports.front().judged > 0, "{}: no query has a relevant document", qrels_path);
  if (!o.save_run.empty())
    for (std::size_t i = 0; i < runs.size(); ++i) {
      std::string label = labels[i];
      std::replace(label.begin(), label.end(), '/', '-');
      eval::save_trec_run(fmt::format("{}.{}.trec", o.save_run, label), runs[i], "embed");
    }
  if (!o.per_query.empty()) {
    std::string body = "run\tquery\tfirst_relevant_rank";
    for (const auto& name : eval::metric_names(o.cutoffs)) body += "\t" + name;
    body += '\n';
    for (std::size_t i = 0; i < reports.size(); ++i)
      for (const auto& [q, m] : reports[i].per_query) {
        body += fmt::format("{}\t{}\t{}", labels[i], q, m.first_relevant);
        for (const auto& name : eval::metric_names(o.cutoffs)) body += fmt::format("\t{:.6f}", m.values.at(name));
        body += '\n';
      }
    write_file_atomic(o.per_query, [&](int fd) { write_all(fd, body.data(), body.size(), o.per_query); });
  }
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < reports.size(); ++i) {
      nlohmann::json j = {{"run", labels[i]}, {"judged_queries", reports[i].judged}, {"metrics", reports[i].mean}};
      j["median_rank"] =
          reports[i].median_found ? nlohmann::json(reports[i].median_first_relevant) : nlohmann::json(nullptr);
      out.push_back(std::move(j));
    }
    std::cout << out.dump() << '\n';
  } else {
    print_report(labels, reports, depth);
  }
  return 0;
}

}  // namespace embed::cli
