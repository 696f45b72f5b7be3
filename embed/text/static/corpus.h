// A training corpus for static word vectors (Word2Vec, fastText-style
// subwords, GloVe): whitespace-separated UTF-8 text, one sentence per line,
// read into vocabulary ids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/text/tokenize/utf8.h"

namespace embed::text {

struct Corpus {
  std::vector<std::string> words;          // vocabulary, most frequent first
  std::vector<std::int64_t> counts;        // per vocabulary word
  std::vector<std::int32_t> ids;           // all kept tokens, in corpus order
  std::vector<std::int64_t> sentence_end;  // ids[sentence_end[s-1] .. sentence_end[s]) is sentence s
  std::int64_t tokens = 0;                 // tokens read, before min_count

  std::int64_t sentences() const { return static_cast<std::int64_t>(sentence_end.size()); }
  std::int64_t sentence_begin(std::int64_t s) const { return s ? sentence_end[static_cast<std::size_t>(s) - 1] : 0; }
};

// The vocabulary is every word seen at least min_count times, most frequent
// first with ties in gensim's order (so word ids and saved files match
// gensim's); other words are dropped from the sentences. A line longer than
// max_sentence words is cut into sentences of that many words (word2vec.c
// and gensim cut at 10000). Words are split at ASCII whitespace; a word that
// is not valid UTF-8 is a FormatError naming the file and byte offset, or
// with InvalidUtf8::replace has each ill-formed sequence replaced by U+FFFD.
Corpus read_corpus(const std::vector<std::string>& files, std::int64_t min_count, std::int64_t max_sentence,
                   InvalidUtf8 invalid_utf8 = InvalidUtf8::reject);

}  // namespace embed::text
