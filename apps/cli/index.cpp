// `embed index build|add` and `embed search`: collections of documents
// (embed/search/collection.h) built with a text encoder and searched by
// dense, sparse or hybrid retrieval.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "apps/cli/commands.h"
#include "apps/cli/documents.h"
#include "embed/core/error.h"
#include "embed/search/collection.h"

namespace embed::cli {

namespace {

std::string one_line(std::string text, std::size_t width) {
  for (char& c : text)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  if (text.size() <= width) return text;
  std::size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return text.substr(0, cut) + "...";
}

void print_json_line(const nlohmann::json& j) {
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// What each list said of a hit, in words: "dense cosine 0.712 #1, TF-IDF
// cosine 0.412 #3" (the score, then the rank in that list; the result's own
// rank is the fused one). A list that did not return the document says so.
std::string readable_scores(const search::Hit& h, const search::QueryOptions& query, search::Metric metric) {
  const search::SearchMode mode = query.mode;
  const char* sparse = query.sparse == search::SparseScorer::bm25 ? "BM25" : "TF-IDF cosine";
  std::vector<std::string> parts;
  if (mode != search::SearchMode::sparse)
    parts.push_back(h.dense_rank > 0
                        ? fmt::format("dense {} {:.3f} #{}", search::metric_name(metric), h.dense_score, h.dense_rank)
                        : "dense: not in its list");
  if (mode != search::SearchMode::dense)
    parts.push_back(h.sparse_rank > 0 ? fmt::format("{} {:.3f} #{}", sparse, h.sparse_score, h.sparse_rank)
                                      : fmt::format("{}: not in its list", sparse));
  if (!h.matched.empty()) {
    std::vector<std::string> terms;
    for (const search::MatchedTerm& m : h.matched) terms.push_back(fmt::format("{} {:.3f}", m.term, m.contribution));
    parts.push_back(fmt::format("matched: {}", fmt::join(terms, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

void print_collection(const search::Collection& c, const std::string& dir) {
  std::fprintf(stderr, "%s: %lld documents, %lld in the %s index (%s, dim %lld)%s, generation %lld\n", dir.c_str(),
               static_cast<long long>(c.size()), static_cast<long long>(c.index().size()),
               std::string(c.index().kind()).c_str(), std::string(search::metric_name(c.index().metric())).c_str(),
               static_cast<long long>(c.index().dim()), c.has_sparse() ? " + sparse rows (BM25, TF-IDF)" : "",
               static_cast<long long>(c.generation()));
}

}  // namespace

int run_index_build(const IndexOptions& o) {
  search::CollectionOptions options;
  options.backend = o.backend;
  options.metric = search::parse_metric(o.metric);
  options.hnsw.m = o.m;
  options.hnsw.ef_construction = o.ef_construction;
  options.hnsw.ef_search = o.ef_search;
  options.ivfpq.nlist = o.nlist;
  options.ivfpq.m = o.pq_m;
  options.ivfpq.nprobe = o.nprobe;
  options.sparse = !o.no_sparse;
  options.tfidf.analyzer.stem = !o.no_stem;
  options.bm25 = {.k1 = o.bm25_k1,
                  .b = o.bm25_b,
                  .delta = o.bm25_delta,
                  .idf = text::parse_bm25_idf(o.bm25_idf),
                  .k1_plus_1 = o.bm25_k1_plus_1};
  auto encoder = text::text_encoder_for_model(o.model);  // a bad model fails before the documents are read
  std::vector<search::Document> docs = read_documents(o.inputs, /*keep_empty=*/false);
  std::fprintf(stderr, "read %zu documents; encoder: %s\n", docs.size(), o.model.c_str());
  search::Collection::build(o.collection, std::move(encoder), std::move(docs), options);
  print_collection(search::Collection::open(o.collection), o.collection);
  return 0;
}

int run_index_add(const IndexOptions& o) {
  search::Collection c = search::Collection::open(o.collection, /*writable=*/true);
  const std::int64_t before = c.size();
  c.add(read_documents(o.inputs, /*keep_empty=*/false));
  std::fprintf(stderr, "added %lld documents\n", static_cast<long long>(c.size() - before));
  print_collection(c, o.collection);
  return 0;
}

int run_search(const SearchOptions& o) {
  std::vector<std::string> queries = o.queries;
  if (queries.empty())  // one query per line of stdin
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) queries.push_back(line);
  EMBED_CHECK(!queries.empty(), "give at least one query (arguments, or lines on stdin)");
  search::Collection c = search::Collection::open(o.collection);
  if (o.ef_search > 0) c.set_ef_search(o.ef_search);
  if (o.nprobe > 0) c.set_nprobe(o.nprobe);
  const search::SearchMode mode = search::parse_search_mode(o.mode);
  const search::QueryOptions query{.mode = mode,
                                   .sparse = search::parse_sparse_scorer(o.sparse),
                                   .explain = o.explain,
                                   .sparse_weight = o.sparse_weight};
  if (!o.group_by.empty()) {
    const std::int64_t depth = o.depth > 0 ? o.depth : std::max<std::int64_t>(100, 10 * o.k);
    const auto results = c.search_grouped(queries, o.k, query, o.per_group, depth);
    for (std::size_t q = 0; q < results.size(); ++q) {
      if (o.json) {
        print_json_line(nlohmann::json{{"query", queries[q]},
                                       {"mode", o.mode},
                                       {"sparse", o.sparse},
                                       {"group_by", o.group_by},
                                       {"groups", search::groups_json(results[q])}});
        continue;
      }
      std::cout << "query: " << queries[q] << '\n';
      if (results[q].empty()) std::cout << "  (nothing found)\n";
      for (const search::GroupedHit& g : results[q]) {
        std::cout << fmt::format("  {:>2}. {}  ({}{})\n", g.rank, g.key,
                                 readable_scores(g.entries.front(), query, c.index().metric()),
                                 g.size > 1 ? fmt::format("; {} entries matched", g.size) : "");
        for (const search::Hit& h : g.entries)
          std::cout << fmt::format("        [{}] {}\n", h.id, one_line(h.document.text, 100));
      }
    }
    return 0;
  }
  const auto results = c.search(queries, o.k, query);
  for (std::size_t q = 0; q < results.size(); ++q) {
    if (o.json) {
      print_json_line(nlohmann::json{
          {"query", queries[q]}, {"mode", o.mode}, {"sparse", o.sparse}, {"hits", search::hits_json(results[q])}});
      continue;
    }
    std::cout << "query: " << queries[q] << '\n';
    if (results[q].empty()) std::cout << "  (nothing found)\n";
    for (const search::Hit& h : results[q]) {
      const std::string title = h.document.title.empty() ? "" : h.document.title + ": ";
      std::cout << fmt::format("  {:>2}. [{}] {}\n      ({})\n", h.rank, h.id, one_line(title + h.document.text, 110),
                               readable_scores(h, query, c.index().metric()));
    }
  }
  return 0;
}

}  // namespace embed::cli
