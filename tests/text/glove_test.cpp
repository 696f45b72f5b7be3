// GloVe in C++ (so CI runs it under ASan/UBSan): co-occurrence counts worked
// out by hand, the loss falling on a two-topic corpus, topics separating,
// determinism, and bad input. The oracle comparison is tests/oracle/test_glove.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/atomic_file.h"
#include "embed/text/static/glove.h"

namespace {

using namespace embed::text;

std::string write_corpus(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / ("embed_glove_test_" + name)).string();
  embed::write_file_atomic(path, [&](int fd) { embed::write_all(fd, text.data(), text.size(), path); });
  return path;
}

double count_of(const std::vector<Cooccurrence>& xs, const Corpus& c, const std::string& a, const std::string& b) {
  for (const Cooccurrence& x : xs)
    if (c.words[static_cast<std::size_t>(x.row)] == a && c.words[static_cast<std::size_t>(x.column)] == b)
      return x.count;
  return 0;
}

TEST(Glove, CooccurrencesByHand) {
  // "a b c a" then "b a": window 2, distance-weighted, lines do not share windows.
  const std::string path = write_corpus("hand.txt", "a b c a\nb a\n");
  const Corpus c = read_corpus({path}, 1, 1000);
  const auto sym = count_cooccurrences(c, 2, true);
  // (a,b): line 1 d=1 (a..b), d=2 (b..a at 1,3); line 2 d=1 -> 1 + 1/2 + 1 each way.
  EXPECT_DOUBLE_EQ(count_of(sym, c, "a", "b"), 2.5);
  EXPECT_DOUBLE_EQ(count_of(sym, c, "b", "a"), 2.5);
  EXPECT_DOUBLE_EQ(count_of(sym, c, "a", "c"), 1.5);  // c..a d=1, a..c d=2
  EXPECT_DOUBLE_EQ(count_of(sym, c, "b", "c"), 1.0);
  EXPECT_DOUBLE_EQ(count_of(sym, c, "a", "a"), 0.0);   // three apart: outside the window
  const auto left = count_cooccurrences(c, 2, false);  // X[i, j] only for i before j
  EXPECT_DOUBLE_EQ(count_of(left, c, "a", "b"), 1.0);
  EXPECT_DOUBLE_EQ(count_of(left, c, "b", "a"), 1.5);
  EXPECT_DOUBLE_EQ(count_of(left, c, "c", "a"), 1.0);
  EXPECT_DOUBLE_EQ(count_of(left, c, "a", "c"), 0.5);
  for (std::size_t i = 1; i < sym.size(); ++i)
    EXPECT_TRUE(sym[i - 1].row < sym[i].row || (sym[i - 1].row == sym[i].row && sym[i - 1].column < sym[i].column));
}

std::string two_topic_corpus() {
  std::string text;
  const char* lines[] = {"cat dog horse cow sheep", "one two three four five", "dog cat cow horse goat",
                         "two four six one three",  "sheep goat cat dog cow",  "five six one two four"};
  for (int i = 0; i < 300; ++i) (text += lines[i % 6]) += '\n';
  return text;
}

float cosine(const KeyedVectors& kv, const std::string& a, const std::string& b) {
  const float *x = kv.vector(kv.index(a)), *y = kv.vector(kv.index(b));
  double xy = 0, xx = 0, yy = 0;
  for (std::int64_t k = 0; k < kv.dim(); ++k) xy += x[k] * y[k], xx += x[k] * x[k], yy += y[k] * y[k];
  return static_cast<float>(xy / std::sqrt(xx * yy));
}

TEST(Glove, LossFallsAndTopicsSeparate) {
  const int threads = embed::num_threads();
  embed::set_num_threads(1);
  const std::string path = write_corpus("topics.txt", two_topic_corpus());
  GloveOptions o;
  o.dim = 8;
  o.window = 4;
  o.min_count = 1;
  o.epochs = 30;
  o.x_max = 10;
  o.progress = false;
  const GloveResult r = train_glove({path}, o);
  ASSERT_EQ(r.epoch_loss.size(), 30u);
  for (std::size_t e = 1; e < r.epoch_loss.size(); ++e) EXPECT_LT(r.epoch_loss[e], r.epoch_loss[e - 1]) << e;
  EXPECT_GT(cosine(r.vectors, "cat", "dog"), cosine(r.vectors, "cat", "two") + 0.3f);
  EXPECT_GT(cosine(r.vectors, "one", "six"), cosine(r.vectors, "one", "cow") + 0.3f);
  const GloveResult again = train_glove({path}, o);
  EXPECT_EQ(again.vectors.vectors(), r.vectors.vectors());
  embed::set_num_threads(threads);
}

TEST(Glove, BadInput) {
  GloveOptions o;
  o.progress = false;
  EXPECT_THROW(train_glove({write_corpus("empty.txt", "\n \n")}, o), embed::InvalidArgument);
  o.min_count = 1;
  EXPECT_THROW(train_glove({write_corpus("one.txt", "same same\n")}, o), embed::InvalidArgument);
  EXPECT_THROW(train_glove({write_corpus("bad.txt", "ok \xff\xfe ok\n")}, o), embed::FormatError);
  o.x_max = -1;
  EXPECT_THROW(train_glove({write_corpus("fine.txt", "a b c\n")}, o), embed::InvalidArgument);
}

}  // namespace
