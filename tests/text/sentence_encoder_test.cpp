// The SIF sentence encoder against the paper's formulas computed here by
// hand, and its word splitting. The comparison with a NumPy implementation
// over gensim-loaded fastText vectors is tests/oracle/test_sentence.py.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "embed/core/error.h"
#include "embed/text/sentence/word_vector_encoder.h"

namespace {

namespace fs = std::filesystem;
using namespace embed::text;

TEST(LetterWords, LowerCasedRunsOfLetters) {
  EXPECT_EQ(letter_words("Hello, WORLD! it's 42 ÉTÉ-été"),
            (std::vector<std::string>{"hello", "world", "it", "s", "été", "été"}));
  EXPECT_TRUE(letter_words("").empty());
  EXPECT_TRUE(letter_words("123 ... \x01").empty());
  EXPECT_EQ(letter_words("ab\xff"
                         "cd"),
            (std::vector<std::string>{"ab", "cd"}));  // invalid byte separates
  EXPECT_EQ(letter_words("日本語 text"), (std::vector<std::string>{"日本語", "text"}));
}

TEST(WordVectorEncoder, SifWeightsAndTheCommonComponent) {
  // Vocabulary words a (count 30) and b (count 10) in a subword model with
  // one bucket, so every n-gram shares a row.
  const std::int64_t dim = 2;
  std::vector<float> input = {1,    0,      // a
                              0,    1,      // b
                              0.5f, 0.5f};  // the bucket
  SubwordVectors sv({"a", "b"}, {30, 10}, SubwordConfig{3, 3, 1}, dim, input, {});
  const std::string path = (fs::temp_directory_path() / "embed_sif_test.bin").string();
  sv.save_fasttext(path);

  SifOptions o;
  o.a = 0.1;
  WordVectorEncoder enc(path, o);
  const std::vector<float> va = sv.word_vector("a"), vb = sv.word_vector("b"), vz = sv.word_vector("zz");
  const double wa = 0.1 / (0.1 + 30.0 / 40), wb = 0.1 / (0.1 + 10.0 / 40), wz = 0.1 / (0.1 + 1.0 / 40);
  std::vector<std::int64_t> tokens;
  const std::vector<float> e = enc.encode({"a b", "zz!", "...", "A a"}, &tokens);
  for (int k = 0; k < dim; ++k) {
    EXPECT_NEAR(e[static_cast<std::size_t>(k)], (wa * va[k] + wb * vb[k]) / 2, 1e-6);
    EXPECT_NEAR(e[static_cast<std::size_t>(2 + k)], wz * vz[k], 1e-6);  // unseen: n-grams, weight of count 1
    EXPECT_EQ(e[static_cast<std::size_t>(4 + k)], 0.0f);                // nothing to embed
    EXPECT_NEAR(e[static_cast<std::size_t>(6 + k)], wa * va[k], 1e-6);
  }
  EXPECT_EQ(tokens, (std::vector<std::int64_t>{2, 1, 0, 2}));

  // fit(): u is the top right singular vector; encode() then removes it.
  const std::vector<std::string> docs = {"a", "a a b", "b", "a b b"};
  const std::vector<float> x = enc.encode(docs);
  enc.fit(docs);
  ASSERT_EQ(enc.component().size(), 2u);
  double g00 = 0, g01 = 0, g11 = 0;
  for (std::size_t r = 0; r < docs.size(); ++r) {
    g00 += x[2 * r] * x[2 * r];
    g01 += x[2 * r] * x[2 * r + 1];
    g11 += x[2 * r + 1] * x[2 * r + 1];
  }
  // Top eigenvector of [[g00, g01], [g01, g11]] in closed form.
  const double lambda = (g00 + g11) / 2 + std::sqrt((g00 - g11) * (g00 - g11) / 4 + g01 * g01);
  double u0 = g01, u1 = lambda - g00;
  const double n = std::hypot(u0, u1);
  u0 /= n;
  u1 /= n;
  EXPECT_NEAR(std::abs(enc.component()[0] * u0 + enc.component()[1] * u1), 1.0, 1e-6);
  const std::vector<float> y = enc.encode(docs);
  for (std::size_t r = 0; r < docs.size(); ++r) {
    const double dot = x[2 * r] * u0 + x[2 * r + 1] * u1;
    EXPECT_NEAR(y[2 * r], x[2 * r] - dot * u0, 1e-6);
    EXPECT_NEAR(y[2 * r + 1], x[2 * r + 1] - dot * u1, 1e-6);
  }
  // The spec rebuilds the same encoder.
  const auto again = load_text_encoder(enc.spec());
  EXPECT_EQ(again->encode(docs), y);
}

TEST(WordVectorEncoder, BadSpecsAndModels) {
  EXPECT_THROW(load_text_encoder(nlohmann::json{{"type", "bert"}}), embed::Unsupported);
  EXPECT_THROW(load_text_encoder(nlohmann::json::array()), embed::FormatError);
  EXPECT_THROW(load_text_encoder(nlohmann::json{{"type", "word-vectors"}}), embed::FormatError);
  EXPECT_THROW(text_encoder_for_model("/nonexistent/model.vec"), embed::Error);
  EXPECT_THROW(text_encoder_for_model(fs::temp_directory_path().string()), embed::Unsupported);
  const std::string path = (fs::temp_directory_path() / "embed_sif_bad.vec").string();
  KeyedVectors({"a"}, {1, 2}, 2).save_word2vec(path, false);
  auto spec = text_encoder_for_model(path)->spec();
  spec["component"] = {1, 2, 3};
  EXPECT_THROW(load_text_encoder(spec), embed::FormatError);
  spec["component"] = {1, "x"};
  EXPECT_THROW(load_text_encoder(spec), embed::FormatError);
}

}  // namespace
