// Templates, truncation, padding and batches with BERT's tokenizer; expected
// values derived by hand from Hugging Face tokenizers' documented rules.
#include <gtest/gtest.h>

#include "embed/core/error.h"
#include "embed/text/tokenize/tokenizer.h"

namespace {
const std::string kVocab = std::string(EMBED_TEST_DATA) + "/tokenizers/bert-base-uncased/vocab.txt";
using Ids = std::vector<std::int64_t>;
}  // namespace

TEST(PostProcess, BertPairTemplate) {
  const auto tok = embed::text::bert_tokenizer(kVocab);
  const auto e = tok.encode_pair("Hello world", "ok!");
  // [CLS]=101 hello=7592 world=2088 [SEP]=102 ok=7929 !=999
  EXPECT_EQ(e.ids, (Ids{101, 7592, 2088, 102, 7929, 999, 102}));
  EXPECT_EQ(e.type_ids, (Ids{0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(e.special_tokens_mask, (std::vector<std::uint8_t>{1, 0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(e.sequence_ids, (Ids{-1, 0, 0, -1, 1, 1, -1}));
  EXPECT_EQ(e.offsets[2], (std::pair<std::int64_t, std::int64_t>{6, 11}));  // "world" in the first text
  EXPECT_EQ(e.offsets[4], (std::pair<std::int64_t, std::int64_t>{0, 2}));   // "ok" in the second
  EXPECT_EQ(tok.decode(e.ids), "hello world ok!");
  EXPECT_EQ(tok.decode(e.ids, false), "[CLS] hello world [SEP] ok! [SEP]");
}

TEST(PostProcess, TruncationFollowsLongestFirst) {
  auto tok = embed::text::bert_tokenizer(kVocab);
  tok.set_truncation(embed::text::Truncation{8, embed::text::TruncationStrategy::longest_first});
  // 6 + 4 tokens, budget 8 - 3 specials = 5. Keeping the shorter whole would
  // leave the longer 1 token, fewer than the shorter has, so the budget is
  // split: 2 for the shorter, 3 (the odd one) for the longer.
  const auto e = tok.encode_pair("a b c d e f", "g h i j");
  EXPECT_EQ(e.size(), 8u);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "a", "b", "c", "[SEP]", "g", "h", "[SEP]"}));
  // The shorter fits beside a cut longer one: keep it whole.
  tok.set_truncation(embed::text::Truncation{9, embed::text::TruncationStrategy::longest_first});
  EXPECT_EQ(tok.encode_pair("a b c d e f", "g").tokens,
            (std::vector<std::string>{"[CLS]", "a", "b", "c", "d", "e", "[SEP]", "g", "[SEP]"}));
  tok.set_truncation(embed::text::Truncation{5, embed::text::TruncationStrategy::only_second});
  EXPECT_THROW(tok.encode_pair("a b c d e f", "g"), embed::InvalidArgument);
  tok.set_truncation(embed::text::Truncation{4, embed::text::TruncationStrategy::longest_first});
  EXPECT_EQ(tok.encode("a b c d e f").tokens, (std::vector<std::string>{"[CLS]", "a", "b", "[SEP]"}));
}

TEST(PostProcess, PaddingAndBatches) {
  auto tok = embed::text::bert_tokenizer(kVocab);
  embed::text::Padding pad;  // to the longest of a batch, on the right
  tok.set_padding(pad);
  const auto batch = tok.encode_batch({"hello", "hello world again", ""});
  ASSERT_EQ(batch.size(), 3u);
  for (const auto& e : batch) EXPECT_EQ(e.size(), 5u);
  EXPECT_EQ(batch[0].ids, (Ids{101, 7592, 102, 0, 0}));
  EXPECT_EQ(batch[0].attention_mask, (std::vector<std::uint8_t>{1, 1, 1, 0, 0}));
  EXPECT_EQ(batch[2].ids, (Ids{101, 102, 0, 0, 0}));
  pad.length = 6;
  pad.side = embed::text::PaddingSide::left;
  tok.set_padding(pad);
  const auto e = tok.encode("hello");
  EXPECT_EQ(e.ids, (Ids{0, 0, 0, 101, 7592, 102}));
  EXPECT_EQ(e.attention_mask, (std::vector<std::uint8_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(tok.decode(e.ids), "hello");
}
