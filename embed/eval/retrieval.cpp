#include "embed/eval/retrieval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"

namespace embed::eval {

namespace {

const char* const kMetrics[] = {"ndcg", "mrr", "map", "recall", "precision", "accuracy"};

// Lines of `text` without their end of line; `f(line, number)`.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::int64_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line, number);
  }
}

std::vector<std::string_view> fields(std::string_view line, bool tabs_only) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto is_sep = [&](char c) { return c == '\t' || (!tabs_only && c == ' '); };
    if (!tabs_only)
      while (i < line.size() && is_sep(line[i])) ++i;
    if (i >= line.size()) break;
    std::size_t j = i;
    while (j < line.size() && !is_sep(line[j])) ++j;
    out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool parse_int(std::string_view s, long long& v) {
  if (s.empty() || s.size() > 18) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  long long x = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    x = x * 10 + (s[i] - '0');
  }
  v = s[0] == '-' ? -x : x;
  return true;
}

bool parse_double(std::string_view s, double& v) {
  if (s.empty() || s.size() > 64) return false;
  const std::string copy(s);
  char* end = nullptr;
  v = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(v);
}

}  // namespace

std::vector<std::string> metric_names(const std::vector<std::int64_t>& cutoffs) {
  std::vector<std::string> names;
  for (const char* m : kMetrics)
    for (std::int64_t k : cutoffs) names.push_back(fmt::format("{}@{}", m, k));
  return names;
}

RetrievalReport evaluate_retrieval(const Run& run, const Qrels& qrels, const std::vector<std::int64_t>& cutoffs) {
  EMBED_CHECK(!cutoffs.empty(), "give at least one cutoff k");
  for (std::int64_t k : cutoffs) EMBED_CHECK(k >= 1, "cutoffs must be >= 1, got {}", k);
  RetrievalReport report;
  report.cutoffs = cutoffs;
  std::vector<double> firsts;  // rank of the first relevant document; infinity when none
  for (const auto& [query, judged] : qrels) {
    std::int64_t n_relevant = 0;
    std::vector<double> ideal;
    for (const auto& [doc, rel] : judged) {
      n_relevant += rel >= 1;
      if (rel > 0) ideal.push_back(rel);
    }
    if (n_relevant == 0) continue;  // not a judged query
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    std::vector<std::pair<std::string, double>> ranked;
    if (auto it = run.find(query); it != run.end()) ranked = it->second;
    for (const auto& [doc, score] : ranked)
      EMBED_CHECK(std::isfinite(score), "query {}: document {} has the score {}", query, doc, score);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first > b.first;  // trec_eval: docno descending
    });
    std::vector<double> rel(ranked.size());
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      auto j = judged.find(ranked[i].first);
      rel[i] = j == judged.end() ? 0 : j->second;
    }
    QueryMetrics m;
    for (std::size_t i = 0; i < rel.size(); ++i)
      if (rel[i] >= 1) {
        m.first_relevant = static_cast<std::int64_t>(i + 1);
        break;
      }
    for (std::int64_t k : cutoffs) {
      const auto top = std::min<std::size_t>(rel.size(), static_cast<std::size_t>(k));
      double dcg = 0, idcg = 0, ap = 0, hits = 0, rr = 0;
      for (std::size_t i = 0; i < top; ++i) {
        if (rel[i] > 0) dcg += rel[i] / std::log2(static_cast<double>(i) + 2);
        if (rel[i] >= 1) {
          ++hits;
          ap += hits / static_cast<double>(i + 1);
          if (rr == 0) rr = 1.0 / static_cast<double>(i + 1);
        }
      }
      for (std::size_t i = 0; i < std::min<std::size_t>(ideal.size(), static_cast<std::size_t>(k)); ++i)
        idcg += ideal[i] / std::log2(static_cast<double>(i) + 2);
      const auto R = static_cast<double>(n_relevant);
      m.values[fmt::format("ndcg@{}", k)] = idcg > 0 ? dcg / idcg : 0;
      m.values[fmt::format("mrr@{}", k)] = rr;
      m.values[fmt::format("map@{}", k)] = ap / R;
      m.values[fmt::format("recall@{}", k)] = hits / R;
      m.values[fmt::format("precision@{}", k)] = hits / static_cast<double>(k);
      m.values[fmt::format("accuracy@{}", k)] = hits > 0 ? 1 : 0;
    }
    firsts.push_back(m.first_relevant > 0 ? static_cast<double>(m.first_relevant)
                                          : std::numeric_limits<double>::infinity());
    report.per_query.emplace(query, std::move(m));
  }
  report.judged = static_cast<std::int64_t>(report.per_query.size());
  for (const std::string& name : metric_names(cutoffs)) {
    double sum = 0;
    for (const auto& [q, m] : report.per_query) sum += m.values.at(name);
    report.mean[name] = report.judged > 0 ? sum / static_cast<double>(report.judged) : 0;
  }
  if (!firsts.empty()) {
    std::sort(firsts.begin(), firsts.end());
    const std::size_t n = firsts.size();
    const double median = n % 2 ? firsts[n / 2] : (firsts[n / 2 - 1] + firsts[n / 2]) / 2;
    report.median_found = std::isfinite(median);
    report.median_first_relevant = report.median_found ? median : 0;
  }
  return report;
}

Qrels parse_qrels(std::string_view text, const std::string& name) {
  Qrels q;
  for_each_line(text, [&](std::string_view line, std::int64_t n) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    std::vector<std::string_view> f = fields(line, false);
    if (n == 1 && f.size() == 3 && f[2] == "score") return;  // BEIR's header
    std::string_view query, doc, rel_text;
    if (f.size() == 3) {
      query = f[0], doc = f[1], rel_text = f[2];
    } else if (f.size() == 4) {
      query = f[0], doc = f[2], rel_text = f[3];
    } else {
      throw FormatError(
          fmt::format("{}:{}: expected 'query-id TAB corpus-id TAB score' (BEIR) or 'qid iter docid rel' "
                      "(TREC), got {} fields",
                      name, n, f.size()));
    }
    long long rel = 0;
    EMBED_CHECK_AS(FormatError, parse_int(rel_text, rel) && rel >= -1000000 && rel <= 1000000,
                   "{}:{}: relevance '{}' is not a whole number", name, n, rel_text);
    auto [it, added] = q[std::string(query)].emplace(std::string(doc), static_cast<int>(rel));
    EMBED_CHECK_AS(FormatError, added, "{}:{}: query {} judges document {} a second time", name, n, query, doc);
  });
  EMBED_CHECK_AS(FormatError, !q.empty(), "{}: no relevance judgements", name);
  return q;
}

Run parse_trec_run(std::string_view text, const std::string& name) {
  Run run;
  std::map<std::string, std::set<std::string>> seen;
  for_each_line(text, [&](std::string_view line, std::int64_t n) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    const std::vector<std::string_view> f = fields(line, false);
    EMBED_CHECK_AS(FormatError, f.size() == 6, "{}:{}: expected 'qid Q0 docid rank score tag', got {} fields", name, n,
                   f.size());
    double score = 0;
    EMBED_CHECK_AS(FormatError, parse_double(f[4], score), "{}:{}: score '{}' is not a finite number", name, n, f[4]);
    EMBED_CHECK_AS(FormatError, seen[std::string(f[0])].insert(std::string(f[2])).second,
                   "{}:{}: query {} lists document {} a second time", name, n, f[0], f[2]);
    run[std::string(f[0])].emplace_back(std::string(f[2]), score);
  });
  return run;
}

std::vector<BeirRecord> parse_beir_jsonl(std::string_view text, const std::string& name) {
  std::vector<BeirRecord> out;
  std::set<std::string> ids;
  for_each_line(text, [&](std::string_view line, std::int64_t n) {
    if (line.find_first_not_of(" \t") == std::string_view::npos) return;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EMBED_CHECK_AS(FormatError, j.is_object() && j.contains("_id") && j.contains("text") && j["text"].is_string(),
                   "{}:{}: expected a JSON object with \"_id\" and a \"text\" string", name, n);
    BeirRecord r;
    if (j["_id"].is_string())
      r.id = j["_id"].get<std::string>();
    else if (j["_id"].is_number_integer())
      r.id = std::to_string(j["_id"].get<std::int64_t>());
    else
      throw FormatError(fmt::format("{}:{}: \"_id\" must be a string or an integer", name, n));
    EMBED_CHECK_AS(FormatError, !r.id.empty() && r.id.find_first_of(" \t\r\n") == std::string::npos,
                   "{}:{}: \"_id\" must be non-empty without white space", name, n);
    EMBED_CHECK_AS(FormatError, ids.insert(r.id).second, "{}:{}: \"_id\" {} a second time", name, n, r.id);
    r.text = j["text"].get<std::string>();
    if (j.contains("title") && j["title"].is_string()) r.title = j["title"].get<std::string>();
    out.push_back(std::move(r));
  });
  EMBED_CHECK_AS(FormatError, !out.empty(), "{}: no records", name);
  return out;
}

void save_trec_run(const std::string& path, const Run& run, const std::string& tag) {
  std::string body;
  for (const auto& [query, docs] : run)
    for (std::size_t i = 0; i < docs.size(); ++i)
      body += fmt::format("{} Q0 {} {} {:.9g} {}\n", query, docs[i].first, i + 1, docs[i].second, tag);
  write_file_atomic(path, [&](int fd) { write_all(fd, body.data(), body.size(), path); });
}

}  // namespace embed::eval
