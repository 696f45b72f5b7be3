// Subword vectors in C++ (so CI runs them under ASan/UBSan): fastText's hash
// and n-grams, training, the .bin round trip and damaged files. The
// comparison with fastText and gensim is tests/oracle/test_subword.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/io/atomic_file.h"
#include "embed/text/static/word2vec.h"

namespace {

using namespace embed::text;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("embed_subword_test_" + name)).string();
}

TEST(Subword, HashIsFnv1aOfSignExtendedBytes) {
  EXPECT_EQ(fasttext_hash(""), 2166136261u);
  EXPECT_EQ(fasttext_hash("a"), (2166136261u ^ 97u) * 16777619u);
  // A byte >= 0x80 is xor-ed sign-extended (0xFFFFFFC3 for 0xC3): gensim's ft_hash_bytes gives this.
  EXPECT_EQ(fasttext_hash("\xc3\xa9"
                          "abc"),
            3730556191u);
}

TEST(Subword, NgramsOfTheBracketedWord) {
  std::vector<std::int32_t> rows;
  append_subword_rows("ab", 1, 3, 1000, 10, rows);
  // <ab>: 1-grams a b (not < or >), 2-grams <a ab b>, 3-grams <ab ab>
  std::vector<std::int32_t> expected;
  for (const char* g : {"<a", "<ab", "a", "ab", "ab>", "b", "b>"})
    expected.push_back(static_cast<std::int32_t>(10 + fasttext_hash(g) % 1000));
  EXPECT_EQ(rows, expected);
  rows.clear();
  append_subword_rows("\xc3\xa9", 2, 2, 1000, 0, rows);  // é is one character
  EXPECT_EQ(rows.size(), 2u);
  rows.clear();
  append_subword_rows("anything", 3, 6, 1000, 0, rows);
  append_subword_rows("anything", 0, 0, 1000, 0, rows);  // max_n 0: none
  EXPECT_EQ(rows.size(), 8u + 7u + 6u + 5u);             // "<anything>" has 10 characters
}

TEST(Subword, TrainSaveLoadAndUnseenWords) {
  const std::string corpus = temp_path("corpus.txt"), model_path = temp_path("model.bin");
  std::string text;
  for (int i = 0; i < 200; ++i) text += "walking walked walks talking talked talks running runs\n";
  embed::write_file_atomic(corpus, [&](int fd) { embed::write_all(fd, text.data(), text.size(), corpus); });
  Word2VecOptions o;
  o.dim = 8;
  o.epochs = 2;
  o.min_count = 1;
  o.max_n = 4;
  o.buckets = 997;
  o.progress = false;
  const Word2VecResult r = train_word2vec({corpus}, o);
  ASSERT_EQ(r.subwords.nwords(), 8);
  r.subwords.save_fasttext(model_path);
  const SubwordVectors back = SubwordVectors::load_fasttext(model_path);
  EXPECT_EQ(back.words(), r.subwords.words());
  EXPECT_EQ(back.word_vector("walker"), r.subwords.word_vector("walker"));
  // An unseen word is the mean of its n-gram rows.
  const std::vector<std::int32_t> rows = back.rows("walker");
  ASSERT_FALSE(rows.empty());
  EXPECT_GE(rows.front(), 8);  // no word row
  std::vector<float> mean(8, 0.0f);
  for (std::int32_t row : rows)
    for (int k = 0; k < 8; ++k)
      mean[static_cast<std::size_t>(k)] += back.input()[static_cast<std::size_t>(row) * 8 + k];
  for (float& x : mean) x *= 1.0f / static_cast<float>(rows.size());
  const std::vector<float> v = back.word_vector("walker");
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(v[static_cast<std::size_t>(k)], mean[static_cast<std::size_t>(k)], 1e-6f);
  // A vocabulary word's vector is what KeyedVectors holds for it.
  const float* kv = r.vectors.vector(r.vectors.index("walked"));
  const std::vector<float> walked = back.word_vector("walked");
  for (int k = 0; k < 8; ++k) EXPECT_FLOAT_EQ(kv[k], walked[static_cast<std::size_t>(k)]);

  const auto file = embed::MappedFile::open(model_path);
  for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{60}, file->size() / 2, file->size() - 1})
    EXPECT_THROW(SubwordVectors::parse_fasttext(file->data(), n, "cut"), embed::FormatError) << n;
  std::filesystem::remove(corpus);
  std::filesystem::remove(model_path);
}

}  // namespace
