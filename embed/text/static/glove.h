// GloVe (Pennington, Socher & Manning 2014, "GloVe: Global Vectors for Word
// Representation"), trained as the Stanford reference (glove.c) does:
//   - co-occurrences X_ij: for each word j of a line and each of the `window`
//     words i before it, X_ij += 1/d with d the distance (distance weighting);
//     symmetric windows add X_ji += 1/d too. Words outside the vocabulary are
//     dropped before windowing and lines do not share windows.
//   - loss J = sum over X_ij > 0 of 1/2 f(X_ij) (w_i . c_j + b_i + b~_j - ln X_ij)^2,
//     f(x) = (x / x_max)^alpha for x < x_max, else 1;
//   - AdaGrad: every parameter p keeps G_p (starting at 1) and takes
//     p -= g / sqrt(G_p) then G_p += g^2, where g = eta * dJ/dp for that one
//     co-occurrence (glove.c scales the gradient by eta before accumulating);
//     the word and context vector of a pair both step from their values
//     before the pair;
//   - parameters (vectors and biases) start uniform in [-0.5/dim, 0.5/dim];
//   - the co-occurrences are shuffled once and visited in that order every
//     epoch; the vectors returned are w_i + c_i (glove.c's -model 2).
// Threads take disjoint chunks of the co-occurrences each epoch and update
// the shared parameters without locks (Hogwild, as glove.c): one thread
// gives the same result for the same seed, several race by design.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/text/static/corpus.h"
#include "embed/text/static/keyed_vectors.h"

namespace embed::text {

struct GloveOptions {
  std::int64_t dim = 100;
  std::int64_t window = 10;
  bool symmetric = true;
  std::int64_t min_count = 5;
  double x_max = 100;
  double alpha = 0.75;  // exponent of the weighting function f
  double eta = 0.05;    // AdaGrad's initial learning rate
  std::int64_t epochs = 25;
  std::uint64_t seed = 1;
  bool shuffle = true;                             // false: visit the co-occurrences by (row, column) every epoch
  InvalidUtf8 invalid_utf8 = InvalidUtf8::reject;  // for words of the corpus that are not UTF-8
  bool progress = true;
};

struct Cooccurrence {
  std::int32_t row, column;
  double count;
};

// The nonzero co-occurrences of a corpus, sorted by (row, column).
std::vector<Cooccurrence> count_cooccurrences(const Corpus& corpus, std::int64_t window, bool symmetric);

struct GloveResult {
  KeyedVectors vectors;  // w_i + c_i
  // The parameters themselves, V x dim row-major and V: for inspection and
  // tests (with epochs = 0 they are the initial values).
  std::vector<float> word, context, word_bias, context_bias;
  std::vector<double> epoch_loss;  // J / (number of co-occurrences), accumulated during each epoch
  std::int64_t cooccurrences = 0;
  std::int64_t corpus_words = 0;
  double seconds = 0;
};

// Trains on whitespace-separated UTF-8 text files, one sentence per line.
GloveResult train_glove(const std::vector<std::string>& corpus_files, const GloveOptions& options);
GloveResult train_glove(const Corpus& corpus, const GloveOptions& options);

}  // namespace embed::text
