// The three WordPiece training criteria on a corpus small enough to work by
// hand (tests/oracle/test_wordpiece_training.py checks them merge for merge
// against Python), and the likelihood trainer's re-segmentation: after
// training, every word's longest-match segmentation uses only tokens of the
// vocabulary, and words with multi-byte characters train.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "embed/core/error.h"
#include "embed/text/tokenize/bpe_trainer.h"

namespace {

using embed::text::parse_wordpiece_criterion;
using embed::text::train_wordpiece;
using embed::text::WordPieceCriterion;
using embed::text::WordPieceTrainerOptions;
using Words = std::vector<std::pair<std::string, std::int64_t>>;
using Merge = std::pair<std::string, std::string>;

WordPieceTrainerOptions options(WordPieceCriterion criterion, std::int64_t vocab_size) {
  WordPieceTrainerOptions o;
  o.criterion = criterion;
  o.vocab_size = vocab_size;
  return o;
}

TEST(WordPieceTrainer, ThreeCriteriaChooseDifferentFirstPairs) {
  // Tokens: a 30, ##b ##c ##d 10 each, x ##y 6 each, q ##z 2 each; N = 76.
  // frequency: (a, ##b), count 10 (ties with ##c, ##d broken by string).
  // pmi: (q, ##z), 2 / (2 * 2) = 0.5 beats 6 / 36 and 10 / 300.
  // likelihood, with f(x) = x ln x: (a, ##b) gains f(10) + f(20) - f(30) -
  // f(10) + f(76) - f(66) = 10.50, (x, ##y) f(6) - 2 f(6) + f(76) - f(70) =
  // 20.99, (q, ##z) f(2) - 2 f(2) + f(76) - f(74) = 9.25.
  const Words words = {{"ab", 10}, {"ac", 10}, {"ad", 10}, {"xy", 6}, {"qz", 2}};
  EXPECT_EQ(train_wordpiece(words, options(WordPieceCriterion::frequency, 15)).merges.at(0), Merge("a", "##b"));
  EXPECT_EQ(train_wordpiece(words, options(WordPieceCriterion::pmi, 15)).merges.at(0), Merge("q", "##z"));
  const auto likely = train_wordpiece(words, options(WordPieceCriterion::likelihood, 15));
  ASSERT_EQ(likely.merges.size(), 2u);  // 5 special tokens + 8 symbols + 2
  EXPECT_EQ(likely.merges[0], Merge("x", "##y"));
  EXPECT_EQ(likely.vocab.token(13), "xy");
}

TEST(WordPieceTrainer, LikelihoodResegmentsByLongestMatch) {
  // "aaaa" starts as a ##a ##a ##a; (##a, ##a) has 2 · 20 + 9 = 49
  // occurrences. Once "##aa" exists the words are re-segmented by longest
  // match, "aaaa" as a ##aa ##a: the next pair is (a, ##aa), whose joined
  // "aaa" then makes "aaaa" aaa ##a.
  const Words words = {{"aaaa", 20}, {"aaa", 9}, {"naïve", 5}, {"über", 6}};
  const auto r = train_wordpiece(words, options(WordPieceCriterion::likelihood, 40));
  ASSERT_GE(r.merges.size(), 3u);
  EXPECT_EQ(r.merges[0], Merge("##a", "##a"));
  EXPECT_EQ(r.merges[1], Merge("a", "##aa"));
  EXPECT_TRUE(r.vocab.find("##ï").has_value());  // two bytes, one symbol
  for (const auto& [left, right] : r.merges) {
    EXPECT_TRUE(r.vocab.find(left).has_value()) << left;
    EXPECT_TRUE(r.vocab.find(right).has_value()) << right;
  }
}

TEST(WordPieceTrainer, BadInputIsAnError) {
  EXPECT_THROW(parse_wordpiece_criterion("entropy"), embed::InvalidArgument);
  EXPECT_EQ(parse_wordpiece_criterion("pmi"), WordPieceCriterion::pmi);
  EXPECT_THROW(train_wordpiece({{"ab", 0}}, options(WordPieceCriterion::likelihood, 10)), embed::InvalidArgument);
  EXPECT_THROW(train_wordpiece({{"ab", 2}}, options(WordPieceCriterion::likelihood, 0)), embed::InvalidArgument);
  // Ill-formed UTF-8 is spelled as U+FFFD; a special token that is also a
  // symbol keeps its one id.
  WordPieceTrainerOptions o = options(WordPieceCriterion::likelihood, 30);
  o.special_tokens = {"[UNK]", "a"};
  const auto r = train_wordpiece({{"ab\xFF", 3}, {"abc", 4}, {"a", 2}}, o);
  EXPECT_EQ(r.vocab.token(1), "a");
  EXPECT_TRUE(r.vocab.find("##\xEF\xBF\xBD").has_value());
  // Nothing to train on: the special tokens alone.
  EXPECT_EQ(train_wordpiece({}, options(WordPieceCriterion::likelihood, 10)).vocab.size(), 5);
}

}  // namespace
