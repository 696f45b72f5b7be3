// A SentencePiece-style tokenizer.json (Metaspace pre-tokenizer and decoder,
// BPE model) loads, encodes with offsets, decodes back to the input and
// survives a save/load round trip; Digits inside a Sequence. Expected tokens
// follow from the definitions: spaces become U+2581, which opens each word,
// then BPE merges by rank.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "embed/core/error.h"
#include "embed/text/tokenize/tokenizer_json.h"

namespace {

const std::string kMeta = "\xE2\x96\x81";  // U+2581

std::string tokenizer_json(const std::string& pre_tokenizer) {
  return R"({"version": "1.0", "normalizer": null, "pre_tokenizer": )" + pre_tokenizer +
         R"(, "model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"<unk>": 0, ")" + kMeta +
         R"(": 1, "H": 2, "e": 3, "y": 4, "f": 5, "r": 6, "i": 7, "n": 8, "d": 9, "!": 10, "1": 11, "2": 12, ")" +
         kMeta + R"(H": 13, ")" + kMeta + R"(He": 14, "ey": 15}, "merges": [")" + kMeta + R"( H", ")" + kMeta +
         R"(H e", "e y"]}})";
}

TEST(MetaspaceTokenizer, EncodesDecodesAndRoundTrips) {
  const auto tok =
      embed::text::parse_tokenizer_json(tokenizer_json(R"({"type": "Metaspace", "replacement": ")" + kMeta +
                                                       R"(", "prepend_scheme": "always", "split": true})"),
                                        "test");
  const auto enc = tok.encode("Hey fried!", false);
  // "▁Hey": ▁+H (rank 0), then ▁H+e (rank 1); "ey" (rank 2) never forms because e is taken.
  EXPECT_EQ(enc.tokens, (std::vector<std::string>{kMeta + "He", "y", kMeta, "f", "r", "i", "e", "d", "!"}));
  EXPECT_EQ(enc.offsets[0], (std::pair<std::int64_t, std::int64_t>{0, 2}));  // the added ▁ covers no byte
  EXPECT_EQ(enc.offsets[2], (std::pair<std::int64_t, std::int64_t>{3, 4}));  // the ▁ that was the space
  EXPECT_EQ(tok.decode(enc.ids), "Hey fried!");
  const std::string saved = embed::text::tokenizer_to_json(tok);
  EXPECT_NE(saved.find(R"("decoder": {)"), std::string::npos);
  const auto again = embed::text::parse_tokenizer_json(saved, "saved");
  EXPECT_EQ(again.encode("Hey fried!", false).ids, enc.ids);
  EXPECT_EQ(embed::text::tokenizer_to_json(again), saved);
  // The legacy form (add_prefix_space) still loads.
  const auto legacy = embed::text::parse_tokenizer_json(
      tokenizer_json(R"({"type": "Metaspace", "replacement": ")" + kMeta + R"(", "add_prefix_space": false})"), "old");
  EXPECT_EQ(legacy.encode("Hey", false).tokens, (std::vector<std::string>{"H", "ey"}));
}

TEST(MetaspaceTokenizer, DigitsInASequenceAndRefusedOrders) {
  const auto tok = embed::text::parse_tokenizer_json(
      tokenizer_json(R"({"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "replacement": ")" + kMeta +
                     R"("}, {"type": "Digits", "individual_digits": true}]})"),
      "test");
  EXPECT_EQ(tok.encode("Hi12", false).tokens, (std::vector<std::string>{kMeta + "H", "i", "1", "2"}));
  EXPECT_THROW(
      embed::text::parse_tokenizer_json(
          tokenizer_json(R"({"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Metaspace"}]})"),
          "test"),
      embed::Unsupported);
  EXPECT_THROW(
      embed::text::parse_tokenizer_json(tokenizer_json(R"({"type": "Metaspace", "prepend_scheme": "sometimes"})"), "t"),
      embed::Unsupported);
}

}  // namespace
