// Word2Vec (Mikolov et al. 2013, "Efficient Estimation of Word
// Representations in Vector Space" and "Distributed Representations of Words
// and Phrases and their Compositionality"), trained as word2vec.c does:
//   - vocabulary: words of count >= min_count, most frequent first (ties in
//     gensim's order, so word ids and saved files match gensim's);
//   - subsampling: a word of count c among T words is kept with probability
//     (sqrt(c / (s T)) + 1) (s T) / c, fresh at each epoch;
//   - window: for each position a random shrink b in [0, window) is drawn and
//     the context is the (window - b) words on each side;
//   - skip-gram: each context word's input vector predicts the centre word;
//     CBOW: the mean of the context vectors predicts it, and the error is
//     added to every context vector;
//   - negative sampling: k noise words from unigram^0.75 (alias table),
//     loss -log s(v'_w . h) - sum log s(-v'_n . h), plain SGD;
//   - hierarchical softmax (optional, alone or with negative sampling): the
//     word is predicted along its path in a Huffman tree of the counts, one
//     logistic regression per inner node, loss -sum log s((1 - 2 bit) v'_n . h);
//   - learning rate decays linearly from alpha to alpha * 1e-4 over all epochs;
//   - input vectors start uniform in [-0.5/dim, 0.5/dim], output vectors at 0.
// With max_n > 0 it trains fastText-style subword vectors (subword.h): a
// word's input vector is the mean of its own row and its character n-gram
// rows, and the gradient for it goes to each of those rows (as fastText's
// unsupervised models do).
// Threads train disjoint shards of the corpus on shared vectors without locks
// (Hogwild, as word2vec.c, gensim and fastText): one thread gives the same
// vectors for the same seed; several threads race by design.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/text/static/corpus.h"
#include "embed/text/static/keyed_vectors.h"
#include "embed/text/static/subword.h"

namespace embed::text {

struct Word2VecOptions {
  bool skip_gram = true;  // false: CBOW
  std::int64_t dim = 100;
  std::int64_t window = 5;
  std::int64_t negative = 5;          // noise words per positive (0: none; then hierarchical softmax alone)
  bool hierarchical_softmax = false;  // a Huffman-tree softmax over the vocabulary (word2vec.c's -hs 1)
  std::int64_t min_count = 5;
  double sample = 1e-3;  // subsampling threshold s (0: off)
  double alpha = -1;     // starting learning rate; -1: 0.025 for skip-gram, 0.05 for CBOW (word2vec.c)
  std::int64_t epochs = 5;
  std::uint64_t seed = 1;
  // On several threads: true trains in synchronous rounds (each thread on
  // its own copies of the rows it writes, merged in thread order every
  // 10,000 words per thread), so the same seed and thread count give the
  // same vectors; false is Hogwild (threads write the shared rows without
  // locks, as word2vec.c, gensim and fastText do), a little faster and not
  // reproducible. One thread is reproducible either way.
  bool deterministic = true;
  // Character n-grams of min_n..max_n characters hashed into `buckets` rows
  // (fastText's defaults 3, 6 and 2,000,000); max_n = 0: plain Word2Vec.
  std::int64_t min_n = 3, max_n = 0, buckets = 2000000;
  std::int64_t max_sentence = 10000;               // longer lines are cut into pieces of this many words
  InvalidUtf8 invalid_utf8 = InvalidUtf8::reject;  // for words of the corpus that are not UTF-8
  bool progress = true;                            // a progress bar with words/s and ETA on stderr
};

struct Word2VecResult {
  KeyedVectors vectors;            // every vocabulary word's vector
  SubwordVectors subwords;         // with max_n > 0: the whole model, for words outside the vocabulary too
  std::int64_t corpus_words = 0;   // tokens read (before min_count and subsampling)
  std::int64_t trained_words = 0;  // words that took part in training, all epochs
  double seconds = 0;
};

// word2vec.c's CreateBinaryTree: a Huffman tree over counts sorted most
// frequent first, built with two queues (leaves and inner nodes). Word w's
// path from the root visits inner nodes points[begin[w] .. begin[w+1])
// (0 .. V-2, the root is V-2) and takes branch codes[...] at each; the
// hierarchical-softmax label at a node is 1 - code.
struct HuffmanTree {
  std::vector<std::int32_t> points;
  std::vector<std::uint8_t> codes;
  std::vector<float> labels;
  std::vector<std::int64_t> begin;
};
HuffmanTree build_huffman_tree(const std::vector<std::int64_t>& counts);

// Trains on whitespace-separated UTF-8 text files; each line is a sentence.
Word2VecResult train_word2vec(const std::vector<std::string>& corpus_files, const Word2VecOptions& options);

}  // namespace embed::text
