// The English (Porter2) stemmer of Snowball (Porter 2001;
// snowballstem.org/algorithms/english/stemmer.html), as the Snowball
// project's own english.sbl defines it: "stars" -> "star", "measuring" ->
// "measur", "propelled" -> "propel", "generously" -> "generous". Lucene's
// EnglishAnalyzer uses the original Porter stemmer, Pyserini's default too;
// Porter2 is its revision by the same author. Words are lower-case UTF-8;
// only a-z and y count as letters of the algorithm (anything else is a
// non-vowel), and lengths count code points, as Snowball's UTF-8 mode does.
// Tested against python3-snowballstemmer (Snowball's generated Python).
#pragma once

#include <string>
#include <string_view>

namespace embed::text {

std::string porter2_stem(std::string_view word);

}  // namespace embed::text
