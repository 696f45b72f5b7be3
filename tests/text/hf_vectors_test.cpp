// The tokenizers of real models against the ids Hugging Face tokenizers
// produce: BERT uncased (WordPiece) and GPT-2 (byte-level BPE) on the 46 test
// strings in tests/data/tokenizers/hf-test-vectors (encode(text,
// add_special_tokens=False)), case for case.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "embed/io/atomic_file.h"
#include "embed/text/tokenize/tokenizer.h"

namespace {

const std::string kData = std::string(EMBED_TEST_DATA) + "/tokenizers/";

std::vector<std::string> test_strings(const std::string& path) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::string all = embed::read_file(path);
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at; (at = all.find(sep, start)) != std::string::npos; start = at + sep.size())
    out.push_back(all.substr(start, at - start));
  if (start < all.size()) out.push_back(all.substr(start));
  return out;
}

std::vector<std::vector<std::int64_t>> expected_ids(const std::string& path) {
  std::vector<std::vector<std::int64_t>> out;
  std::istringstream lines(embed::read_file(path));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::int64_t> ids;
    for (std::int64_t id; words >> id;) ids.push_back(id);
    out.push_back(ids);
  }
  return out;
}

void check_all(const embed::text::Tokenizer& tok, const std::string& name) {
  const auto inputs = test_strings(kData + "hf-test-vectors/" + name + ".inp");
  const auto expected = expected_ids(kData + "hf-test-vectors/" + name + ".out");
  ASSERT_EQ(inputs.size(), 46u);
  ASSERT_EQ(expected.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(tok.encode(inputs[i]).ids, expected[i]) << name << " case " << i << ": \"" << inputs[i] << "\"";
}

}  // namespace

TEST(HfVectors, BertBaseUncased) {
  check_all(embed::text::bert_tokenizer(kData + "bert-base-uncased/vocab.txt"), "bert-base-uncased");
}

TEST(HfVectors, Gpt2) {
  check_all(embed::text::gpt2_tokenizer(kData + "gpt2/encoder.json", kData + "gpt2/vocab.bpe"), "gpt2");
}
