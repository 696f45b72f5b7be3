// Porter2 (embed/text/sparse/stemmer.h) on words whose stems Snowball's
// documentation and its generated Python give, under ASan/UBSan; the oracle
// test compares every word of a corpus with python3-snowballstemmer.
#include <gtest/gtest.h>

#include "embed/text/sparse/analyzer.h"
#include "embed/text/sparse/stemmer.h"

namespace {

using embed::text::porter2_stem;

TEST(Porter2, KnownStems) {
  const std::pair<const char*, const char*> cases[] = {{"stars", "star"},
                                                       {"measuring", "measur"},
                                                       {"propelled", "propel"},
                                                       {"generously", "generous"},
                                                       {"consign", "consign"},
                                                       {"consigned", "consign"},
                                                       {"knightly", "knight"},
                                                       {"skies", "sky"},
                                                       {"dying", "die"},
                                                       {"inning", "inning"},
                                                       {"cried", "cri"},
                                                       {"ties", "tie"},
                                                       {"gaps", "gap"},
                                                       {"gas", "gas"},
                                                       {"hopping", "hop"},
                                                       {"hoped", "hope"},
                                                       {"sensational", "sensat"},
                                                       {"yelling", "yell"},
                                                       {"sayings", "say"},
                                                       {"by", "by"},
                                                       {"a", "a"},
                                                       {"", ""},
                                                       {"caf\u00e9s", "caf\u00e9"}};
  for (const auto& [word, stem] : cases) EXPECT_EQ(porter2_stem(word), stem) << word;
}

TEST(Porter2, TheAnalyzerStemsWordTokens) {
  embed::text::AnalyzerOptions o;
  o.stem = true;
  o.stop_words = {"the"};
  o.ngram_max = 2;
  const embed::text::Analyzer a(o);
  embed::text::TermList terms;
  a.analyze("The Stars, propelled", terms);
  ASSERT_EQ(terms.size(), 3u);
  EXPECT_EQ(terms[0], "star");
  EXPECT_EQ(terms[1], "propel");
  EXPECT_EQ(terms[2], "star propel");
}

}  // namespace
