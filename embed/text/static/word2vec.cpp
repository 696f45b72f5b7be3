#include "embed/text/static/word2vec.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"
#include "embed/core/rng.h"
#include "embed/text/static/corpus.h"

namespace embed::text {

namespace {

// word2vec.c's random numbers: a 48-bit LCG, cheap enough for the inner loop.
// We read its high bits (the low ones of an LCG are poor).
struct Lcg {
  std::uint64_t state;
  std::uint32_t next() {
    state = state * 25214903917ULL + 11;
    return static_cast<std::uint32_t>(state >> 16);
  }
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>((std::uint64_t{next()} * n) >> 32); }
  float uniform() { return static_cast<float>(next() >> 8) * 0x1.0p-24f; }
};

// Walker's alias method (Vose's construction): O(1) draws from unigram^0.75.
struct AliasTable {
  std::vector<float> keep;
  std::vector<std::int32_t> alias;
  explicit AliasTable(const std::vector<std::int64_t>& counts) {
    const std::size_t n = counts.size();
    std::vector<double> p(n);
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) total += p[i] = std::pow(static_cast<double>(counts[i]), 0.75);
    for (double& x : p) x *= static_cast<double>(n) / total;
    keep.assign(n, 1.0f);
    alias.resize(n);
    std::iota(alias.begin(), alias.end(), 0);
    std::vector<std::size_t> small, large;
    for (std::size_t i = 0; i < n; ++i) (p[i] < 1 ? small : large).push_back(i);
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back(), l = large.back();
      small.pop_back();
      keep[s] = static_cast<float>(p[s]);
      alias[s] = static_cast<std::int32_t>(l);
      p[l] -= 1 - p[s];
      if (p[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
  }
  std::int32_t draw(Lcg& rng) const {
    const std::uint32_t i = rng.below(static_cast<std::uint32_t>(keep.size()));
    return rng.uniform() < keep[i] ? static_cast<std::int32_t>(i) : alias[i];
  }
};

// The trained matrices: input rows, negative sampling's output rows, and the
// output rows of hierarchical softmax's inner nodes.
enum Matrix { kInput, kNegative, kHuffman, kMatrices };

// A thread's own copies of the rows it has written in the current round
// (synchronous mode). A row is copied from the shared matrix when the thread
// first writes it, and read and written there until the round ends, so no
// thread sees another's writes within a round. Copies live in chunks of
// fixed size, so pointers to them stay valid while more rows are copied.
class RowCopies {
 public:
  RowCopies(const std::array<std::int64_t, kMatrices>& rows, std::int64_t dim) : dim_(dim) {
    for (int m = 0; m < kMatrices; ++m) slot_[m].assign(static_cast<std::size_t>(rows[m]), -1);
  }
  // The thread's copy of the row, or nullptr.
  float* find(int m, std::int64_t r) {
    const std::int32_t slot = slot_[m][static_cast<std::size_t>(r)];
    return slot < 0 ? nullptr : at(slot);
  }
  // The thread's copy of the row, made from `shared` if there is none yet.
  float* copy(int m, std::int64_t r, const float* shared) {
    std::int32_t& slot = slot_[m][static_cast<std::size_t>(r)];
    if (slot >= 0) return at(slot);
    if (used_ == static_cast<std::int64_t>(chunks_.size()) * kChunkRows)
      chunks_.push_back(std::make_unique<float[]>(static_cast<std::size_t>(kChunkRows * dim_)));
    slot = static_cast<std::int32_t>(used_++);
    touched_[m].push_back(r);
    float* to = at(slot);
    std::copy(shared, shared + dim_, to);
    return to;
  }
  const std::vector<std::int64_t>& touched(int m) const { return touched_[m]; }
  // Forgets every copy (keeping the memory): the start of a round.
  void clear() {
    for (int m = 0; m < kMatrices; ++m) {
      for (std::int64_t r : touched_[m]) slot_[m][static_cast<std::size_t>(r)] = -1;
      touched_[m].clear();
    }
    used_ = 0;
  }

 private:
  static constexpr std::int64_t kChunkRows = 4096;
  float* at(std::int32_t slot) {
    return chunks_[static_cast<std::size_t>(slot / kChunkRows)].get() + (slot % kChunkRows) * dim_;
  }
  std::int64_t dim_, used_ = 0;
  std::array<std::vector<std::int32_t>, kMatrices> slot_;     // by row: its copy, or -1
  std::array<std::vector<std::int64_t>, kMatrices> touched_;  // rows copied this round, in order
  std::vector<std::unique_ptr<float[]>> chunks_;
};

// Per-thread buffers: the targets of a step, skip-gram's block of contexts
// and gradients, CBOW's hidden vector and its error; and in synchronous
// mode the thread's row copies.
struct Scratch {
  std::vector<std::int32_t> targets, contexts, input_rows;
  std::vector<float> labels;
  std::vector<const float*> inputs, outputs;
  std::vector<float> in_grad, out_grad, hidden, hidden_error, composed;
  RowCopies* copies = nullptr;
};

// word2vec.c's sigmoid table: 1000 steps over [-6, 6], and saturation outside.
constexpr float kMaxExp = 6;
constexpr int kExpTable = 1000;

class Trainer {
 public:
  Trainer(const Corpus& c, const Word2VecOptions& o)
      : c_(c),
        o_(o),
        dim_(o.dim),
        noise_(c.counts),
        alpha0_(o.alpha > 0 ? o.alpha : (o.skip_gram ? 0.025 : 0.05)),
        retained_(static_cast<std::int64_t>(c.ids.size())) {
    const auto v = static_cast<std::int64_t>(c.words.size());
    const std::int64_t buckets = o.max_n > 0 ? o.buckets : 0;
    // Word w's input rows: w itself, then its n-gram rows (none for plain Word2Vec).
    for (std::int64_t w = 0; w < v; ++w) {
      row_begin_.push_back(static_cast<std::int64_t>(rows_.size()));
      append_word_rows(c.words[static_cast<std::size_t>(w)], static_cast<std::int32_t>(w),
                       SubwordConfig{o.min_n, o.max_n, buckets}, v, rows_);
    }
    row_begin_.push_back(static_cast<std::int64_t>(rows_.size()));
    syn0_.resize(static_cast<std::size_t>((v + buckets) * dim_));
    if (o.negative > 0) syn1_.assign(static_cast<std::size_t>(v * dim_), 0.0f);
    if (o.hierarchical_softmax) {
      tree_ = build_huffman_tree(c.counts);
      syn1_hs_.assign(static_cast<std::size_t>(v * dim_), 0.0f);
    }
    Generator init(o.seed);
    for (float& x : syn0_) x = (init.uniform() - 0.5f) / static_cast<float>(dim_);
    for (int i = 0; i <= kExpTable; ++i) {
      const double e = std::exp((i / static_cast<double>(kExpTable) * 2 - 1) * kMaxExp);
      sigmoid_[i] = static_cast<float>(e / (e + 1));
    }
    keep_.resize(c.counts.size());
    const double threshold = o.sample * static_cast<double>(retained_);
    for (std::size_t i = 0; i < keep_.size(); ++i) {
      const auto f = static_cast<double>(c.counts[i]);
      keep_[i] = o.sample > 0 ? static_cast<float>((std::sqrt(f / threshold) + 1) * threshold / f) : 1.0f;
    }
  }

  std::int64_t run(Progress* progress) {
    const int threads = std::max(1, num_threads());
    const double total = static_cast<double>(o_.epochs) * static_cast<double>(retained_) + 1;
    std::atomic<std::int64_t> processed{0}, trained{0};
    // Synchronous rounds (deterministic on several threads): each thread
    // trains on copies of the rows it writes, and every kRoundWords words of
    // each thread's shard the copies are merged in thread order.
    std::vector<RowCopies> copies;
    if (o_.deterministic && threads > 1) {
      const auto v = static_cast<std::int64_t>(c_.words.size());
      const std::array<std::int64_t, kMatrices> rows = {static_cast<std::int64_t>(syn0_.size()) / dim_,
                                                        syn1_.empty() ? 0 : v, syn1_hs_.empty() ? 0 : v};
      for (int t = 0; t < threads; ++t) copies.emplace_back(rows, dim_);
    }
    // Rounds of 10,000 words per thread (word2vec.c's cadence for the shared
    // counter and the rate), and at least 64 an epoch: on a small corpus a
    // round over the whole shard lets every thread's copies of the frequent
    // rows drift apart before their updates are summed.
    constexpr std::int64_t kRoundWords = 10000, kMinRounds = 64;
    const std::int64_t rounds = std::max(kMinRounds, retained_ / threads / kRoundWords);
    std::atomic<bool> stop{false};
    // A waiting thread sleeps rather than spins (an OpenMP barrier spins
    // first), so the rounds cost no CPU time while the other threads finish.
    std::barrier<> barrier(threads);
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      // Shard by words, so threads finish together.
      const auto shard_begin = first_sentence_at(retained_ * t / threads);
      const auto shard_end = first_sentence_at(retained_ * (t + 1) / threads);
      Lcg rng{o_.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(t) + 1};
      std::vector<std::int32_t> sentence;
      Scratch scratch;
      scratch.hidden.resize(static_cast<std::size_t>(dim_));
      scratch.hidden_error.resize(static_cast<std::size_t>(dim_));
      std::int64_t local = 0, local_trained = 0;
      float alpha = static_cast<float>(alpha0_);
      const auto train = [&](std::int64_t s) {
        const std::int64_t b = c_.sentence_begin(s);
        const std::int64_t e = c_.sentence_end[static_cast<std::size_t>(s)];
        sentence.clear();
        for (std::int64_t i = b; i < e; ++i) {
          const std::int32_t w = c_.ids[static_cast<std::size_t>(i)];
          if (keep_[static_cast<std::size_t>(w)] < 1 && keep_[static_cast<std::size_t>(w)] < rng.uniform()) continue;
          sentence.push_back(w);
        }
        local += e - b;
        local_trained += static_cast<std::int64_t>(sentence.size());
        train_sentence(sentence, rng, alpha, scratch);
      };
      if (copies.empty()) {
        for (std::int64_t epoch = 0; epoch < o_.epochs && !interrupted(); ++epoch) {
          for (std::int64_t s = shard_begin; s < shard_end; ++s) {
            if (local > kRoundWords) {
              const std::int64_t done = processed.fetch_add(local) + local;
              if (progress) progress->advance(local);
              local = 0;
              alpha = static_cast<float>(alpha0_ * std::max(1 - static_cast<double>(done) / total, 1e-4));
              if (interrupted()) break;
            }
            train(s);
          }
        }
      } else {
        scratch.copies = &copies[static_cast<std::size_t>(t)];
        const std::int64_t word_begin = c_.sentence_begin(shard_begin);
        const std::int64_t shard_words =
            (shard_end > shard_begin ? c_.sentence_end[static_cast<std::size_t>(shard_end) - 1] : word_begin) -
            word_begin;
        for (std::int64_t epoch = 0; epoch < o_.epochs; ++epoch) {
          std::int64_t s = shard_begin;
          bool halt = false;
          for (std::int64_t r = 0; r < rounds && !halt; ++r) {
            // The rate from the round's place in training, the same on every thread.
            const double done = static_cast<double>(epoch * retained_ + retained_ * r / rounds);
            alpha = static_cast<float>(alpha0_ * std::max(1 - done / total, 1e-4));
            const std::int64_t until = word_begin + shard_words * (r + 1) / rounds;
            for (; s < shard_end && c_.sentence_begin(s) < until; ++s) train(s);
            if (progress) progress->advance(local);
            local = 0;
            if (t == 0) stop = interrupted();
            barrier.arrive_and_wait();
            halt = stop;  // read between the barriers: every thread sees the same value
            merge_round(copies, t);
            barrier.arrive_and_wait();
            scratch.copies->clear();
          }
          if (halt) break;
        }
      }
      trained += local_trained;
      if (progress) progress->advance(local);
    }
    return trained.load();
  }

  void results(Word2VecResult& r) {
    if (o_.max_n > 0) {
      FastTextArgs args{static_cast<std::int32_t>(o_.window),
                        static_cast<std::int32_t>(o_.epochs),
                        static_cast<std::int32_t>(o_.min_count),
                        static_cast<std::int32_t>(o_.negative),
                        o_.skip_gram,
                        o_.negative == 0,
                        o_.sample};
      // fastText's .bin keeps one output layer: negative sampling's, or the inner nodes' without it.
      r.subwords = SubwordVectors(c_.words, c_.counts, SubwordConfig{o_.min_n, o_.max_n, o_.buckets}, dim_,
                                  std::move(syn0_), std::move(o_.negative > 0 ? syn1_ : syn1_hs_), args);
      r.vectors = r.subwords.keyed_vectors();
    } else {
      r.vectors = KeyedVectors(c_.words, std::move(syn0_), dim_);
    }
  }

 private:
  std::int64_t first_sentence_at(std::int64_t word) const {
    return std::lower_bound(c_.sentence_end.begin(), c_.sentence_end.end(), word + 1) - c_.sentence_end.begin();
  }

  // (label - sigmoid(f)) * alpha. Negative sampling saturates outside
  // [-6, 6]; hierarchical softmax skips such a node (g = 0), both as word2vec.c.
  float gradient(float f, float label, float alpha, bool hs) const {
    if (hs && !(f > -kMaxExp && f < kMaxExp)) return 0;
    if (!(f <= kMaxExp)) return (label - 1) * alpha;  // also NaN: never an index out of the table
    if (f < -kMaxExp) return label * alpha;
    return (label - sigmoid_[static_cast<int>((f + kMaxExp) * (kExpTable / kMaxExp / 2))]) * alpha;
  }

  // The centre word, then `negative` noise words from unigram^0.75 (a noise
  // word equal to the centre word is dropped, as in word2vec.c).
  // Labels 1, 0, 0, ... go with them.
  void draw_targets(std::int32_t word, Lcg& rng, Scratch& s) const {
    s.targets.clear();
    s.targets.push_back(word);
    for (std::int64_t d = 0; d < o_.negative; ++d) {
      const std::int32_t t = noise_.draw(rng);
      if (t != word) s.targets.push_back(t);
    }
    s.labels.assign(s.targets.size(), 0.0f);
    s.labels[0] = 1.0f;
  }

  // The output rows a step trains against: negative sampling's targets, or
  // the inner nodes on the word's Huffman path.
  struct Outputs {
    Matrix matrix;
    const std::int32_t* rows;
    const float* labels;
    std::size_t n;
    bool hs;
  };
  Outputs negatives(const Scratch& s) {
    return {kNegative, s.targets.data(), s.labels.data(), s.targets.size(), false};
  }
  Outputs huffman_path(std::int32_t word) {
    const std::int64_t b = tree_.begin[static_cast<std::size_t>(word)];
    const std::int64_t e = tree_.begin[static_cast<std::size_t>(word) + 1];
    return {kHuffman, tree_.points.data() + b, tree_.labels.data() + b, static_cast<std::size_t>(e - b), true};
  }

  // One hidden vector h against the output rows, one row after the other (as
  // word2vec.c); the error for h accumulates in err.
  void train_hidden(const float* h, const Outputs& o, float alpha, float* err, Scratch& s) {
    for (std::size_t t = 0; t < o.n; ++t) {
      float* out = write_row(s, o.matrix, o.rows[t]);
      float f = 0;
#pragma omp simd reduction(+ : f)
      for (std::int64_t k = 0; k < dim_; ++k) f += h[k] * out[k];
      const float g = gradient(f, o.labels[t], alpha, o.hs);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) {
        err[k] += g * out[k];
        out[k] += g * h[k];
      }
    }
  }

  // Skip-gram's block: every input in s.inputs against every output row, all
  // with the values from the start of the block; input gradients accumulate
  // in s.in_grad, the output rows are updated once at the end.
  void train_block(const Outputs& o, float alpha, Scratch& s) {
    const std::size_t nc = s.inputs.size();
    const auto d = static_cast<std::size_t>(dim_);
    s.out_grad.assign(o.n * d, 0.0f);
    s.outputs.resize(o.n);
    for (std::size_t t = 0; t < o.n; ++t) s.outputs[t] = read_row(s, o.matrix, o.rows[t]);
    for (std::size_t c = 0; c < nc; ++c) {
      const float* in = s.inputs[c];
      float* gin = s.in_grad.data() + c * d;
      for (std::size_t t = 0; t < o.n; ++t) {
        const float* out = s.outputs[t];
        float f = 0;
#pragma omp simd reduction(+ : f)
        for (std::size_t k = 0; k < d; ++k) f += in[k] * out[k];
        const float g = gradient(f, o.labels[t], alpha, o.hs);
        float* gout = s.out_grad.data() + t * d;
#pragma omp simd
        for (std::size_t k = 0; k < d; ++k) {
          gin[k] += g * out[k];
          gout[k] += g * in[k];
        }
      }
    }
    for (std::size_t t = 0; t < o.n; ++t) {
      float* out = write_row(s, o.matrix, o.rows[t]);
      const float* g = s.out_grad.data() + t * d;
#pragma omp simd
      for (std::size_t k = 0; k < d; ++k) out[k] += g[k];
    }
  }

  // Skip-gram for one centre word, with its noise words shared by all its
  // context words (Ji et al. 2016, "Parallelizing Word2Vec in Shared and
  // Distributed Memory"): the C context vectors and the K+1 output vectors
  // form a C x (K+1) block of dot products, and each output row is written
  // once per centre instead of once per (context, target) pair. Fewer
  // writes to the rows of frequent words, which every thread touches, is
  // what lets Hogwild threads scale; gradients within the block use the
  // values from its start.
  void skip_gram_centre(const std::vector<std::int32_t>& sen, std::int64_t pos, std::int64_t lo, std::int64_t hi,
                        Lcg& rng, float alpha, Scratch& s) {
    const std::int32_t word = sen[static_cast<std::size_t>(pos)];
    if (o_.negative > 0) draw_targets(word, rng, s);
    s.contexts.clear();
    for (std::int64_t c = lo; c <= hi; ++c)
      if (c != pos) s.contexts.push_back(sen[static_cast<std::size_t>(c)]);
    const std::size_t nc = s.contexts.size();
    const auto d = static_cast<std::size_t>(dim_);
    s.in_grad.assign(nc * d, 0.0f);
    s.inputs.clear();
    s.composed.resize(nc * d);
    for (std::size_t c = 0; c < nc; ++c) s.inputs.push_back(input_vector(s.contexts[c], s.composed.data() + c * d, s));
    if (o_.hierarchical_softmax) train_block(huffman_path(word), alpha, s);
    if (o_.negative > 0) train_block(negatives(s), alpha, s);
    for (std::size_t c = 0; c < nc; ++c) add_to_input_rows(s.contexts[c], s.in_grad.data() + c * d, s);
  }

  void train_sentence(const std::vector<std::int32_t>& sen, Lcg& rng, float alpha, Scratch& scratch) {
    const auto n = static_cast<std::int64_t>(sen.size());
    for (std::int64_t pos = 0; pos < n; ++pos) {
      const auto b = static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(o_.window)));
      const std::int64_t lo = std::max<std::int64_t>(0, pos - o_.window + b);
      const std::int64_t hi = std::min<std::int64_t>(n - 1, pos + o_.window - b);
      if (o_.skip_gram)
        skip_gram_centre(sen, pos, lo, hi, rng, alpha, scratch);
      else
        cbow_centre(sen, pos, lo, hi, rng, alpha, scratch);
    }
  }

  // CBOW: the mean of the context predicts the word; each context vector takes the whole error.
  void cbow_centre(const std::vector<std::int32_t>& sen, std::int64_t pos, std::int64_t lo, std::int64_t hi, Lcg& rng,
                   float alpha, Scratch& s) {
    float* h = s.hidden.data();
    float* err = s.hidden_error.data();
    s.input_rows.clear();
    for (std::int64_t c = lo; c <= hi; ++c) {
      if (c == pos) continue;
      const std::int32_t w = sen[static_cast<std::size_t>(c)];
      s.input_rows.insert(s.input_rows.end(), rows_.begin() + row_begin_[static_cast<std::size_t>(w)],
                          rows_.begin() + row_begin_[static_cast<std::size_t>(w) + 1]);
    }
    if (s.input_rows.empty()) return;
    std::fill(h, h + dim_, 0.0f);
    for (std::int32_t row : s.input_rows) {
      const float* in = read_row(s, kInput, row);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) h[k] += in[k];
    }
    for (std::int64_t k = 0; k < dim_; ++k) h[k] /= static_cast<float>(s.input_rows.size());
    std::fill(err, err + dim_, 0.0f);
    const std::int32_t word = sen[static_cast<std::size_t>(pos)];
    if (o_.hierarchical_softmax) train_hidden(h, huffman_path(word), alpha, err, s);
    if (o_.negative > 0) {
      draw_targets(word, rng, s);
      train_hidden(h, negatives(s), alpha, err, s);
    }
    for (std::int32_t row : s.input_rows) {
      float* in = write_row(s, kInput, row);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) in[k] += err[k];
    }
  }

  // Word w's input vector: its row, or with subwords the mean of its rows
  // (written to `buffer`).
  const float* input_vector(std::int32_t w, float* buffer, Scratch& s) {
    const std::int64_t b = row_begin_[static_cast<std::size_t>(w)], e = row_begin_[static_cast<std::size_t>(w) + 1];
    if (e - b == 1) return read_row(s, kInput, rows_[static_cast<std::size_t>(b)]);
    std::fill(buffer, buffer + dim_, 0.0f);
    for (std::int64_t r = b; r < e; ++r) {
      const float* in = read_row(s, kInput, rows_[static_cast<std::size_t>(r)]);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) buffer[k] += in[k];
    }
    const float scale = 1.0f / static_cast<float>(e - b);
    for (std::int64_t k = 0; k < dim_; ++k) buffer[k] *= scale;
    return buffer;
  }

  // The gradient of word w's input vector goes whole to each of its rows.
  void add_to_input_rows(std::int32_t w, const float* g, Scratch& s) {
    for (std::int64_t r = row_begin_[static_cast<std::size_t>(w)]; r < row_begin_[static_cast<std::size_t>(w) + 1];
         ++r) {
      float* in = write_row(s, kInput, rows_[static_cast<std::size_t>(r)]);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) in[k] += g[k];
    }
  }

  std::vector<float>& matrix(int m) { return m == kInput ? syn0_ : m == kNegative ? syn1_ : syn1_hs_; }
  // Row r of a matrix as this thread sees it: its own copy if it has written
  // the row this round (synchronous mode), else the shared row.
  const float* read_row(Scratch& s, Matrix m, std::int64_t r) {
    float* shared = matrix(m).data() + r * dim_;
    if (!s.copies) return shared;
    const float* own = s.copies->find(m, r);
    return own ? own : shared;
  }
  // The same, for writing: the shared row (Hogwild), or the thread's copy.
  float* write_row(Scratch& s, Matrix m, std::int64_t r) {
    float* shared = matrix(m).data() + r * dim_;
    return s.copies ? s.copies->copy(m, r, shared) : shared;
  }

  // The end of a synchronous round, run by every thread t of T: each row
  // written in the round becomes shared + the sum over threads (in thread
  // order) of copy - shared. Thread t merges the rows r with r mod T = t.
  void merge_round(std::vector<RowCopies>& copies, int t) {
    const auto threads = static_cast<int>(copies.size());
    std::vector<float> before(static_cast<std::size_t>(dim_));
    for (int m = 0; m < kMatrices; ++m) {
      for (int u = 0; u < threads; ++u) {
        for (std::int64_t r : copies[static_cast<std::size_t>(u)].touched(m)) {
          if (r % threads != t) continue;
          bool earlier = false;  // merged already, with the first thread that wrote it
          for (int v = 0; v < u && !earlier; ++v) earlier = copies[static_cast<std::size_t>(v)].find(m, r) != nullptr;
          if (earlier) continue;
          float* shared = matrix(m).data() + r * dim_;
          std::copy(shared, shared + dim_, before.begin());
          for (int v = u; v < threads; ++v) {
            const float* own = copies[static_cast<std::size_t>(v)].find(m, r);
            if (!own) continue;
            for (std::int64_t k = 0; k < dim_; ++k) shared[k] += own[k] - before[static_cast<std::size_t>(k)];
          }
        }
      }
    }
  }

  const Corpus& c_;
  const Word2VecOptions& o_;
  std::int64_t dim_;
  AliasTable noise_;
  double alpha0_;
  std::int64_t retained_;                     // vocabulary tokens in the corpus (T of the subsampling formula)
  std::vector<float> keep_;                   // subsampling keep-probability per word
  std::vector<float> syn0_, syn1_, syn1_hs_;  // input rows; output rows of negative sampling / of inner nodes
  HuffmanTree tree_;                          // hierarchical softmax
  std::vector<std::int32_t> rows_;            // input rows of every word, word after word
  std::vector<std::int64_t> row_begin_;       // word w's rows are rows_[row_begin_[w] .. row_begin_[w + 1])
  // One entry more than the steps: f just below 6 can round to index 1000
  // (word2vec.c allocates the same extra entry).
  float sigmoid_[kExpTable + 1];
};

}  // namespace

HuffmanTree build_huffman_tree(const std::vector<std::int64_t>& counts) {
  const auto v = static_cast<std::int64_t>(counts.size());
  EMBED_CHECK(v >= 2, "a Huffman tree needs at least two words, got {}", v);
  for (std::int64_t i = 1; i < v; ++i)
    EMBED_CHECK(counts[static_cast<std::size_t>(i)] <= counts[static_cast<std::size_t>(i - 1)],
                "Huffman tree counts must be sorted most frequent first");
  std::vector<std::int64_t> count(static_cast<std::size_t>(2 * v), std::int64_t{1000000000000000});
  std::vector<std::int64_t> parent(static_cast<std::size_t>(2 * v), 0);
  std::vector<std::uint8_t> bit(static_cast<std::size_t>(2 * v), 0);
  std::copy(counts.begin(), counts.end(), count.begin());
  // Two queues: leaves from the rarest up (pos1), inner nodes in creation order (pos2).
  std::int64_t pos1 = v - 1, pos2 = v;
  const auto take_smallest = [&] {
    if (pos1 >= 0 && count[static_cast<std::size_t>(pos1)] < count[static_cast<std::size_t>(pos2)]) return pos1--;
    return pos2++;
  };
  for (std::int64_t a = 0; a < v - 1; ++a) {
    const std::int64_t min1 = take_smallest(), min2 = take_smallest();
    count[static_cast<std::size_t>(v + a)] =
        count[static_cast<std::size_t>(min1)] + count[static_cast<std::size_t>(min2)];
    parent[static_cast<std::size_t>(min1)] = parent[static_cast<std::size_t>(min2)] = v + a;
    bit[static_cast<std::size_t>(min2)] = 1;
  }
  HuffmanTree t;
  std::vector<std::int32_t> points;
  std::vector<std::uint8_t> codes;
  for (std::int64_t w = 0; w < v; ++w) {
    points.clear();
    codes.clear();
    // From the leaf up: the node above b, with b's bit as the code there.
    for (std::int64_t b = w; b != 2 * v - 2; b = parent[static_cast<std::size_t>(b)]) {
      codes.push_back(bit[static_cast<std::size_t>(b)]);
      points.push_back(static_cast<std::int32_t>(parent[static_cast<std::size_t>(b)] - v));
    }
    t.begin.push_back(static_cast<std::int64_t>(t.points.size()));
    t.points.insert(t.points.end(), points.rbegin(), points.rend());  // root first
    t.codes.insert(t.codes.end(), codes.rbegin(), codes.rend());
  }
  t.begin.push_back(static_cast<std::int64_t>(t.points.size()));
  for (std::uint8_t c : t.codes) t.labels.push_back(1.0f - static_cast<float>(c));
  return t;
}

Word2VecResult train_word2vec(const std::vector<std::string>& corpus_files, const Word2VecOptions& o) {
  EMBED_CHECK(o.dim > 0 && o.dim <= 10000, "dim must be in [1, 10000], got {}", o.dim);
  EMBED_CHECK(o.window > 0 && o.window < (1 << 20), "window must be positive, got {}", o.window);
  EMBED_CHECK(o.negative >= 0 && o.negative <= 1000, "negative must be in [0, 1000], got {}", o.negative);
  EMBED_CHECK(o.negative > 0 || o.hierarchical_softmax,
              "give negative > 0 or hierarchical softmax (or both): with neither nothing is trained");
  EMBED_CHECK(o.max_n == 0 || (o.min_n >= 1 && o.min_n <= o.max_n && o.max_n <= 100 && o.buckets > 0 &&
                               o.buckets <= (std::int64_t{1} << 30)),
              "subwords need 1 <= min_n <= max_n <= 100 and 0 < buckets <= 2^30 (max_n = 0 turns them off), got "
              "min_n={} max_n={} buckets={}",
              o.min_n, o.max_n, o.buckets);
  EMBED_CHECK(o.min_count >= 1 && o.epochs >= 1 && o.max_sentence >= 1,
              "min_count, epochs and max_sentence must be >= 1");
  EMBED_CHECK(o.sample >= 0 && std::isfinite(o.sample), "sample must be >= 0");
  EMBED_CHECK(o.alpha < 0 || (o.alpha > 0 && std::isfinite(o.alpha)), "alpha must be positive");
  const auto start = std::chrono::steady_clock::now();
  const Corpus corpus = read_corpus(corpus_files, o.min_count, o.max_sentence, o.invalid_utf8);
  check_interrupted("reading the corpus");
  Trainer trainer(corpus, o);
  Word2VecResult r;
  {
    Progress progress(o.skip_gram ? "skip-gram" : "CBOW", o.epochs * static_cast<std::int64_t>(corpus.ids.size()),
                      "words", Progress::Options{.enabled = o.progress});
    r.trained_words = trainer.run(&progress);
    progress.finish();
  }
  check_interrupted("training");
  trainer.results(r);
  r.corpus_words = corpus.tokens;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace embed::text
