// UTF-8 decoding policies, Unicode normal forms with offsets, BERT's
// normalizer and the pre-tokenizers, on cases derived by hand from the
// Unicode standard and the BERT / GPT-2 definitions.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "embed/core/error.h"
#include "embed/text/tokenize/normalizer.h"
#include "embed/text/tokenize/pre_tokenizer.h"
#include "embed/text/tokenize/utf8.h"

using embed::text::NormalizedText;

namespace {

NormalizedText normalized(const std::string& s, const embed::text::Normalizer& n) {
  NormalizedText t = NormalizedText::from_utf8(s);
  n.apply(t);
  return t;
}

std::vector<std::string> pieces(const std::string& s, const embed::text::PreTokenizer& p) {
  NormalizedText t = NormalizedText::from_utf8(s);
  p.prepare(t, /*at_start=*/true);
  std::vector<std::string> out;
  for (const auto& piece : p.split(t))
    out.push_back(embed::text::encode_utf8(t.chars.substr(piece.start, piece.end - piece.start)));
  return out;
}

}  // namespace

TEST(Utf8, MaximalSubpartsBecomeOneReplacementEach) {
  // E2 82 starts a 3-byte sequence that 'A' cuts short: one U+FFFD for both bytes.
  const auto d = embed::text::decode_utf8(
      "\xE2\x82"
      "A\xC0\xAF\xF4\x90\x80\x80z");
  EXPECT_EQ(d.chars, (std::u32string{0xFFFD, U'A', 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, U'z'}));
  EXPECT_EQ(d.begin[0], 0);
  EXPECT_EQ(d.end[0], 2);
  EXPECT_EQ(d.begin[1], 2);
  EXPECT_THROW(embed::text::decode_utf8("ok\xFF", embed::text::InvalidUtf8::reject), embed::FormatError);
  EXPECT_EQ(embed::text::encode_utf8(embed::text::decode_utf8("h\xC3\xA9\xF0\x9F\x98\x80").chars),
            "h\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_TRUE(embed::text::decode_utf8("").chars.empty());
}

TEST(Normalize, NormalFormsKeepOffsets) {
  using embed::text::NormalForm;
  using embed::text::UnicodeNormalizer;
  const auto nfc = normalized("e\xCC\x81x", UnicodeNormalizer(NormalForm::nfc));  // e + COMBINING ACUTE
  EXPECT_EQ(nfc.utf8(), "\xC3\xA9x");
  EXPECT_EQ(nfc.begin[0], 0);
  EXPECT_EQ(nfc.end[0], 3);  // the composed é covers both original characters
  EXPECT_EQ(nfc.begin[1], 3);
  const auto nfd = normalized("\xC3\xA9", UnicodeNormalizer(NormalForm::nfd));
  EXPECT_EQ(nfd.chars, (std::u32string{U'e', 0x301}));
  EXPECT_EQ(nfd.end[1], 2);
  EXPECT_EQ(normalized("\xEF\xAC\x81", UnicodeNormalizer(NormalForm::nfkc)).utf8(), "fi");  // U+FB01 ligature
  EXPECT_EQ(normalized("\xC2\xBD", UnicodeNormalizer(NormalForm::nfkd)).utf8(),
            "1\xE2\x81\x84"
            "2");  // ½ -> 1⁄2
  // Canonical ordering: dot below (ccc 220) sorts before dot above (230).
  EXPECT_EQ(normalized("q\xCC\x87\xCC\xA3", UnicodeNormalizer(NormalForm::nfd)).chars,
            (std::u32string{U'q', 0x323, 0x307}));
}

TEST(Normalize, BertCleansLowercasesStripsAccentsAndSpacesCjk) {
  const embed::text::BertNormalizer bert;
  EXPECT_EQ(normalized("H\xC3\xA9llo\tWORLD\x01\xEF\xBF\xBD!", bert).utf8(), "hello world!");
  EXPECT_EQ(normalized("\xE4\xB8\xAD\xE6\x96\x87x", bert).utf8(), " \xE4\xB8\xAD  \xE6\x96\x87 x");
  EXPECT_EQ(normalized("\xC4\xB0", bert).utf8(), "i");  // İ -> i + U+0307 -> accent stripped
}

TEST(PreTokenize, BertAndGpt2Splits) {
  EXPECT_EQ(pieces("Hello, world!!  ok", embed::text::BertPreTokenizer()),
            (std::vector<std::string>{"Hello", ",", "world", "!", "!", "ok"}));
  EXPECT_EQ(pieces("I'm  here\n\nnow 42x!?", embed::text::ByteLevelPreTokenizer()),
            // "\s+(?!\S)" takes the first newline only (the second is followed by 'n'), then "\s+" the second.
            (std::vector<std::string>{"I", "'m", " ", " here", "\n", "\n", "now", " 42", "x", "!?"}));
  EXPECT_EQ(pieces("hi", embed::text::ByteLevelPreTokenizer(true)), (std::vector<std::string>{" hi"}));
  EXPECT_EQ(pieces("end  ", embed::text::ByteLevelPreTokenizer()), (std::vector<std::string>{"end", "  "}));
}

// Pieces with their original byte ranges, as Hugging Face reports them.
std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> pieces_with_offsets(
    const std::string& s, const embed::text::PreTokenizer& p) {
  NormalizedText t = NormalizedText::from_utf8(s);
  p.prepare(t, /*at_start=*/true);
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> out;
  for (const auto& piece : p.split(t))
    out.push_back({embed::text::encode_utf8(t.chars.substr(piece.start, piece.end - piece.start)),
                   {t.begin[piece.start], t.end[piece.end - 1]}});
  return out;
}

TEST(PreTokenize, MetaspaceAsSentencePiece) {
  // The cases of Hugging Face's metaspace.rs tests: a space becomes U+2581
  // ("\xE2\x96\x81") and opens the next piece; one is put in front.
  const embed::text::MetaspacePreTokenizer meta;
  using Pieces = std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>>;
  EXPECT_EQ(pieces_with_offsets("Hey friend!", meta), (Pieces{{"\xE2\x96\x81Hey", {0, 3}},
                                                              {"\xE2\x96\x81"
                                                               "friend!",
                                                               {3, 11}}}));
  EXPECT_EQ(pieces_with_offsets("Hey   friend!", meta), (Pieces{{"\xE2\x96\x81Hey", {0, 3}},
                                                                {"\xE2\x96\x81", {3, 4}},
                                                                {"\xE2\x96\x81", {4, 5}},
                                                                {"\xE2\x96\x81"
                                                                 "friend!",
                                                                 {5, 13}}}));
  // prepend "first": only where the input starts; "never"; and no split.
  const embed::text::MetaspacePreTokenizer first(0x2581, embed::text::PrependScheme::first);
  NormalizedText later = NormalizedText::from_utf8("a b");
  first.prepare(later, /*at_start=*/false);
  EXPECT_EQ(embed::text::encode_utf8(later.chars),
            "a\xE2\x96\x81"
            "b");
  EXPECT_EQ(pieces("a b", embed::text::MetaspacePreTokenizer(U'_', embed::text::PrependScheme::never, false)),
            (std::vector<std::string>{"a_b"}));
  std::string decoded = "\xE2\x96\x81Hey\xE2\x96\x81\xE2\x96\x81you";
  meta.restore(decoded);
  EXPECT_EQ(decoded, "Hey  you");
}

TEST(PreTokenize, DigitsAndSequences) {
  // Hugging Face's digits.rs cases: numbers split from the rest, as runs or one by one.
  EXPECT_EQ(pieces("Hey 123 friend!", embed::text::DigitsPreTokenizer()),
            (std::vector<std::string>{"Hey ", "123", " friend!"}));
  EXPECT_EQ(pieces("Hey 123 friend!", embed::text::DigitsPreTokenizer(true)),
            (std::vector<std::string>{"Hey ", "1", "2", "3", " friend!"}));
  // General category N*: Arabic-Indic digits (Nd) and the vulgar fraction one half (No).
  EXPECT_EQ(pieces("x\xD9\xA3\xC2\xBDy", embed::text::DigitsPreTokenizer()),
            (std::vector<std::string>{"x", "\xD9\xA3\xC2\xBD", "y"}));
  const embed::text::PreTokenizerSequence seq(
      {std::make_shared<embed::text::WhitespaceSplit>(), std::make_shared<embed::text::DigitsPreTokenizer>(true)});
  EXPECT_EQ(pieces(" ab12  c3", seq), (std::vector<std::string>{"ab", "1", "2", "c", "3"}));
  // A later step that edits the text is refused, naming it.
  EXPECT_THROW(embed::text::PreTokenizerSequence({std::make_shared<embed::text::WhitespaceSplit>(),
                                                  std::make_shared<embed::text::MetaspacePreTokenizer>()}),
               embed::Unsupported);
}
