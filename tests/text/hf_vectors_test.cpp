// The tokenizers of real models against the ids Hugging Face tokenizers
// produce: BERT uncased (WordPiece) and GPT-2 (byte-level BPE) on the 46 test
// strings in tests/data/tokenizers/hf-test-vectors (encode(text,
// add_special_tokens=False)), case for case.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"
#include "embed/text/tokenize/model.h"
#include "embed/text/tokenize/tokenizer.h"
#include "embed/text/tokenize/tokenizer_json.h"
#include "embed/text/tokenize/vocab.h"

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
    EXPECT_EQ(tok.encode(inputs[i], false).ids, expected[i]) << name << " case " << i << ": \"" << inputs[i] << "\"";
}

}  // namespace

TEST(HfVectors, BertBaseUncased) {
  check_all(embed::text::bert_tokenizer(kData + "bert-base-uncased/vocab.txt"), "bert-base-uncased");
}

TEST(HfVectors, Gpt2) {
  check_all(embed::text::gpt2_tokenizer(kData + "gpt2/encoder.json", kData + "gpt2/vocab.bpe"), "gpt2");
}

TEST(ByteLevelBpe, RoundTripsArbitraryUtf8AndLongWords) {
  // decode(encode(x)) == normalise(x): GPT-2 has no normalizer, so valid
  // UTF-8 comes back byte for byte and invalid bytes as U+FFFD.
  const auto tok = embed::text::gpt2_tokenizer(kData + "gpt2/encoder.json", kData + "gpt2/vocab.bpe");
  std::mt19937 rng(7);
  const std::vector<char32_t> pool = {U'a',   U'Z',    U' ',   U'\n',  U'\t',  U'7',     U'\'', U'!',   0xE9,
                                      0x4E2D, 0x1F600, 0x0301, 0x00A0, 0x2028, 0x10FFFF, 0x0,   0xFFFD, 0x0600};
  for (int trial = 0; trial < 200; ++trial) {
    std::u32string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) s += pool[rng() % pool.size()];
    const std::string text = embed::text::encode_utf8(s);
    EXPECT_EQ(tok.decode(tok.encode(text).ids), text) << "trial " << trial;
  }
  const std::string invalid = "ab\xE2\x82 c\xFF";
  EXPECT_EQ(tok.decode(tok.encode(invalid).ids), "ab\xEF\xBF\xBD c\xEF\xBF\xBD");
  // One 200k-character word (no spaces): the heap keeps BPE near-linear.
  std::string word;
  for (int i = 0; i < 200000; ++i) word += static_cast<char>('a' + rng() % 26);
  const auto enc = tok.encode(word);
  EXPECT_EQ(tok.decode(enc.ids), word);
  EXPECT_EQ(enc.offsets.back().second, static_cast<std::int64_t>(word.size()));
}

TEST(ByteLevelBpe, ShortAndLongWordsMergeAsTheTextbookLoop) {
  // Bpe::encode rescans an array for short pieces and keeps a heap for long
  // ones; both must give what the definition gives: repeatedly merge the
  // adjacent pair of lowest rank, the leftmost of equals. Random words of
  // 1-120 letters cross the switch (48 symbols) both ways.
  const auto tok = embed::text::gpt2_tokenizer(kData + "gpt2/encoder.json", kData + "gpt2/vocab.bpe");
  std::map<std::pair<std::string, std::string>, std::size_t> rank;
  const auto merges = embed::text::load_merges_txt(kData + "gpt2/vocab.bpe");
  for (std::size_t r = 0; r < merges.size(); ++r) rank.emplace(merges[r], r);
  std::mt19937 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    std::string word;
    const int len = 1 + static_cast<int>(rng() % 120);
    for (int i = 0; i < len; ++i) word += "etaoinshrdlu"[rng() % 12];
    std::vector<std::string> symbols;  // letters are their own byte-level symbols
    for (char c : word) symbols.emplace_back(1, c);
    for (;;) {
      std::size_t best = symbols.size(), best_rank = merges.size();
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
        const auto it = rank.find({symbols[i], symbols[i + 1]});
        if (it != rank.end() && it->second < best_rank) best = i, best_rank = it->second;
      }
      if (best == symbols.size()) break;
      symbols[best] += symbols[best + 1];
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    }
    EXPECT_EQ(tok.encode(word, false).tokens, symbols) << word;
  }
}

TEST(WordPiece, LongWordsAndOffsets) {
  const auto tok = embed::text::bert_tokenizer(kData + "bert-base-uncased/vocab.txt");
  const auto enc = tok.encode("Unaffable  caf\xC3\xA9!", false);
  EXPECT_EQ(enc.tokens, (std::vector<std::string>{"una", "##ffa", "##ble", "cafe", "!"}));
  EXPECT_EQ(enc.offsets[0], (std::pair<std::int64_t, std::int64_t>{0, 3}));
  EXPECT_EQ(enc.offsets[3], (std::pair<std::int64_t, std::int64_t>{11, 16}));  // "café": the é is 2 bytes
  EXPECT_EQ(tok.decode(enc.ids), "unaffable cafe!");                           // the decoder's clean-up glues "!" on
  EXPECT_EQ(tok.encode(std::string(101, 'a'), false).tokens, std::vector<std::string>{"[UNK]"});  // > 100 characters
  EXPECT_EQ(tok.encode(std::string(2'000'000, 'x'), false).ids.size(), 1u);  // a 2 MB line: one [UNK], in linear time
}

namespace {

// Hugging Face's WordPiece decoder (decoders/wordpiece.rs): tokens after the
// first lose "##" or get a space; the first is kept whole; with clean-up, each
// piece then drops a space before . ? ! , and clitics.
std::string decode_pieces(const std::vector<std::string>& tokens, bool cleanup) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < tokens.size(); ++i) ids.push_back(static_cast<std::int64_t>(i));
  embed::text::WordPieceOptions o;
  o.decode_cleanup = cleanup;
  std::vector<std::string> vocab = tokens;
  vocab.push_back("[UNK]");
  return embed::text::WordPiece(embed::text::Vocab(vocab), o).decode(ids);
}

}  // namespace

TEST(WordPiece, DecoderFollowsHuggingFace) {
  // Hugging Face's own test case (clean-up off).
  EXPECT_EQ(decode_pieces({"##uelo", "Ara", "##új", "##o", "No", "##guera"}, false), "##uelo Araújo Noguera");
  // BERT splits "don't" into don ' t: " '" matches no rule (" ' " needs the
  // space after it, which a single piece never has).
  EXPECT_EQ(decode_pieces({"i", "don", "'", "t", "know", ",", "he", "said", "."}, true), "i don ' t know, he said.");
  EXPECT_EQ(decode_pieces({"i", "don", "'", "t", "know", ",", "he", "said", "."}, false), "i don ' t know , he said .");
  // Pieces that are clitics or end in punctuation.
  EXPECT_EQ(decode_pieces({"it", "'s", "you", "'re", "why", "?", "wow", "!", "n't"}, true), "it's you're why? wow!n't");
  EXPECT_EQ(decode_pieces({"a", "##.", "b", "'m", "'ve"}, true), "a. b'm've");
}

TEST(WordPiece, DecoderCleanupComesFromTokenizerJson) {
  const std::string head =
      R"({"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "hi": 1, "!": 2}}, "decoder": )";
  const auto off =
      embed::text::parse_tokenizer_json(head + R"({"type": "WordPiece", "prefix": "##", "cleanup": false}})", "test");
  EXPECT_EQ(off.decode({1, 2}), "hi !");
  EXPECT_NE(embed::text::tokenizer_to_json(off).find(R"("cleanup": false)"), std::string::npos);
  EXPECT_EQ(embed::text::parse_tokenizer_json(head + "null}", "test").decode({1, 2}), "hi!");
  EXPECT_THROW(
      embed::text::parse_tokenizer_json(head + R"({"type": "WordPiece", "prefix": "@@", "cleanup": true}})", "test"),
      embed::Unsupported);
}

TEST(ByteLevel, OffsetTrimmingAsHuggingFace) {
  // Hugging Face's ByteLevel post-processor with trim_offsets: offsets leave
  // out a token's leading and trailing "Ġ". GPT-2 splits "Hello  world" into
  // Hello (0, 5), Ġ (5, 6), Ġworld (6, 12); trimmed: the lone space shrinks
  // to (6, 6) (one leading and one trailing space) and Ġworld to (7, 12).
  const std::string gpt2 = kData + "gpt2/";
  auto tok = embed::text::gpt2_tokenizer(gpt2 + "encoder.json", gpt2 + "vocab.bpe");
  using Offsets = std::vector<std::pair<std::int64_t, std::int64_t>>;
  const auto plain = tok.encode("Hello  world", false);
  EXPECT_EQ(plain.offsets, (Offsets{{0, 5}, {5, 6}, {6, 12}}));
  tok.set_offset_trimming(embed::text::OffsetTrimming{false});
  const auto trimmed = tok.encode("Hello  world", false);
  EXPECT_EQ(trimmed.ids, plain.ids);
  EXPECT_EQ(trimmed.offsets, (Offsets{{0, 5}, {6, 6}, {7, 12}}));
  // The space the pre-tokenizer prepends (add_prefix_space) is not in the
  // input: the first token's offsets already leave it out, and it stays so.
  auto prefixed = embed::text::gpt2_tokenizer(gpt2 + "encoder.json", gpt2 + "vocab.bpe", true);
  prefixed.set_offset_trimming(embed::text::OffsetTrimming{true});
  const auto p = prefixed.encode("Hello world", false);
  EXPECT_EQ(p.tokens, (std::vector<std::string>{"\xC4\xA0Hello", "\xC4\xA0world"}));
  EXPECT_EQ(p.offsets, (Offsets{{0, 5}, {6, 11}}));
  // tokenizer.json: written back as a ByteLevel post-processor that trims.
  const std::string saved = embed::text::tokenizer_to_json(tok);
  EXPECT_NE(saved.find(R"("trim_offsets": true)"), std::string::npos);
  EXPECT_EQ(embed::text::parse_tokenizer_json(saved, "saved").encode("Hello  world", false).offsets, trimmed.offsets);
}
