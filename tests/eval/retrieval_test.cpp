// Retrieval metrics and their file parsers (embed/eval/retrieval.h) on cases
// worked by hand, under ASan/UBSan in CI; tests/oracle/test_eval_retrieval.py
// holds them to the NumPy reference on many more.
#include <gtest/gtest.h>

#include <cmath>

#include "embed/core/error.h"
#include "embed/eval/retrieval.h"

namespace {

using namespace embed::eval;

TEST(RetrievalMetrics, WorkedByHand) {
  // Scores tie for b and c: trec_eval puts c (the larger id) first.
  const embed::eval::Run run = {{"q", {{"a", 3.0}, {"b", 2.0}, {"c", 2.0}, {"d", 1.0}}}};
  const Qrels qrels = {{"q", {{"b", 2}, {"d", 1}, {"e", 1}, {"a", 0}}}, {"none", {{"x", 0}}}};
  const RetrievalReport r = evaluate_retrieval(run, qrels, {1, 3, 10});
  EXPECT_EQ(r.judged, 1);  // "none" has no relevant document
  const auto& m = r.per_query.at("q").values;
  // Order a, c, b, d: relevances 0, 0, 2, 1; three relevant documents (b, d, e).
  EXPECT_EQ(r.per_query.at("q").first_relevant, 3);
  EXPECT_DOUBLE_EQ(m.at("mrr@10"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.at("mrr@1"), 0);
  EXPECT_DOUBLE_EQ(m.at("recall@10"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(m.at("precision@3"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.at("map@10"), (1.0 / 3 + 2.0 / 4) / 3);
  const double dcg = 2 / std::log2(4.0) + 1 / std::log2(5.0);
  const double idcg = 2 + 1 / std::log2(3.0) + 1 / std::log2(4.0);
  EXPECT_NEAR(m.at("ndcg@10"), dcg / idcg, 1e-12);
  EXPECT_DOUBLE_EQ(m.at("accuracy@1"), 0);
  EXPECT_DOUBLE_EQ(m.at("accuracy@3"), 1);
  EXPECT_TRUE(r.median_found);
  EXPECT_DOUBLE_EQ(r.median_first_relevant, 3);
  // A judged query without results scores 0 and has no first relevant rank.
  const RetrievalReport empty = evaluate_retrieval({}, qrels, {10});
  EXPECT_EQ(empty.mean.at("ndcg@10"), 0);
  EXPECT_FALSE(empty.median_found);
  EXPECT_THROW((void)evaluate_retrieval(run, qrels, {0}), embed::InvalidArgument);
  EXPECT_THROW((void)evaluate_retrieval({{"q", {{"a", NAN}}}}, qrels, {1}), embed::InvalidArgument);
}

TEST(RetrievalFiles, ParseAndRefuse) {
  const Qrels beir = parse_qrels("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\n\n", "q.tsv");
  EXPECT_EQ(beir.at("q1").at("d1"), 1);
  EXPECT_EQ(parse_qrels("q1 0 d1 2\r\n", "q.trec").at("q1").at("d1"), 2);
  EXPECT_THROW((void)parse_qrels("q1\td1\t1\nq1\td1\t1\n", "q.tsv"), embed::FormatError);
  EXPECT_THROW((void)parse_qrels("q1 d1\n", "q.tsv"), embed::FormatError);
  EXPECT_THROW((void)parse_qrels("", "q.tsv"), embed::FormatError);
  const embed::eval::Run run = parse_trec_run("q1 Q0 d1 1 0.5 tag\nq1 Q0 d2 2 -1e3 tag\n", "r");
  EXPECT_EQ(run.at("q1").size(), 2u);
  EXPECT_DOUBLE_EQ(run.at("q1")[1].second, -1000);
  EXPECT_THROW((void)parse_trec_run("q1 Q0 d1 1 inf tag\n", "r"), embed::FormatError);
  EXPECT_THROW((void)parse_trec_run("q1 Q0 d1 1 x tag\n", "r"), embed::FormatError);
  const auto records =
      parse_beir_jsonl("{\"_id\": \"a\", \"title\": \"T\", \"text\": \"x\"}\n{\"_id\": 7, \"text\": \"y\"}\n", "c");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].id, "7");
  EXPECT_EQ(records[0].title, "T");
  EXPECT_THROW((void)parse_beir_jsonl("{\"_id\": \"a\", \"text\": \"x\"}\n{\"_id\": \"a\", \"text\": \"y\"}\n", "c"),
               embed::FormatError);
  EXPECT_THROW((void)parse_beir_jsonl("{\"text\": \"x\"}\n", "c"), embed::FormatError);
  EXPECT_THROW((void)parse_beir_jsonl("not json\n", "c"), embed::FormatError);
}

}  // namespace
