#include "embed/text/static/word2vec.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
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

// Per-thread buffers: the targets of a step, skip-gram's block of contexts
// and gradients, CBOW's hidden vector and its error.
struct Scratch {
  std::vector<std::int32_t> targets, contexts, input_rows;
  std::vector<const float*> inputs;
  std::vector<float> in_grad, out_grad, hidden, hidden_error, composed;
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
    syn1_.assign(static_cast<std::size_t>(v * dim_), 0.0f);
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
      for (std::int64_t epoch = 0; epoch < o_.epochs && !interrupted(); ++epoch) {
        for (std::int64_t s = shard_begin; s < shard_end; ++s) {
          if (local > 10000) {  // word2vec.c's cadence for the shared counter and the rate
            const std::int64_t done = processed.fetch_add(local) + local;
            if (progress) progress->advance(local);
            local = 0;
            alpha = static_cast<float>(alpha0_ * std::max(1 - static_cast<double>(done) / total, 1e-4));
            if (interrupted()) break;
          }
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
                        false,
                        o_.sample};
      r.subwords = SubwordVectors(c_.words, c_.counts, SubwordConfig{o_.min_n, o_.max_n, o_.buckets}, dim_,
                                  std::move(syn0_), std::move(syn1_), args);
      r.vectors = r.subwords.keyed_vectors();
    } else {
      r.vectors = KeyedVectors(c_.words, std::move(syn0_), dim_);
    }
  }

 private:
  std::int64_t first_sentence_at(std::int64_t word) const {
    return std::lower_bound(c_.sentence_end.begin(), c_.sentence_end.end(), word + 1) - c_.sentence_end.begin();
  }

  float gradient(float f, float label, float alpha) const {
    if (!(f <= kMaxExp)) return (label - 1) * alpha;  // also NaN: never an index out of the table
    if (f < -kMaxExp) return label * alpha;
    return (label - sigmoid_[static_cast<int>((f + kMaxExp) * (kExpTable / kMaxExp / 2))]) * alpha;
  }

  // The centre word, then `negative` noise words from unigram^0.75 (a noise
  // word equal to the centre word is dropped, as in word2vec.c).
  void draw_targets(std::int32_t word, Lcg& rng, std::vector<std::int32_t>& targets) const {
    targets.clear();
    targets.push_back(word);
    for (std::int64_t d = 0; d < o_.negative; ++d) {
      const std::int32_t t = noise_.draw(rng);
      if (t != word) targets.push_back(t);
    }
  }

  // Negative sampling for hidden vector h against targets (the first is the
  // positive); the error for h accumulates in err.
  void negative_sampling(const float* h, const std::vector<std::int32_t>& targets, float alpha, float* err) {
    for (std::size_t t = 0; t < targets.size(); ++t) {
      float* out = syn1_.data() + static_cast<std::int64_t>(targets[t]) * dim_;
      float f = 0;
#pragma omp simd reduction(+ : f)
      for (std::int64_t k = 0; k < dim_; ++k) f += h[k] * out[k];
      const float g = gradient(f, t == 0 ? 1.0f : 0.0f, alpha);
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) {
        err[k] += g * out[k];
        out[k] += g * h[k];
      }
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
    draw_targets(sen[static_cast<std::size_t>(pos)], rng, s.targets);
    s.contexts.clear();
    for (std::int64_t c = lo; c <= hi; ++c)
      if (c != pos) s.contexts.push_back(sen[static_cast<std::size_t>(c)]);
    const std::size_t nc = s.contexts.size(), nt = s.targets.size();
    const auto d = static_cast<std::size_t>(dim_);
    s.in_grad.assign(nc * d, 0.0f);
    s.out_grad.assign(nt * d, 0.0f);
    s.inputs.clear();
    s.composed.resize(nc * d);
    for (std::size_t c = 0; c < nc; ++c) s.inputs.push_back(input_vector(s.contexts[c], s.composed.data() + c * d));
    for (std::size_t c = 0; c < nc; ++c) {
      const float* in = s.inputs[c];
      float* gin = s.in_grad.data() + c * d;
      for (std::size_t t = 0; t < nt; ++t) {
        const float* out = syn1_.data() + static_cast<std::int64_t>(s.targets[t]) * dim_;
        float f = 0;
#pragma omp simd reduction(+ : f)
        for (std::size_t k = 0; k < d; ++k) f += in[k] * out[k];
        const float g = gradient(f, t == 0 ? 1.0f : 0.0f, alpha);
        float* gout = s.out_grad.data() + t * d;
#pragma omp simd
        for (std::size_t k = 0; k < d; ++k) {
          gin[k] += g * out[k];
          gout[k] += g * in[k];
        }
      }
    }
    for (std::size_t c = 0; c < nc; ++c) add_to_input_rows(s.contexts[c], s.in_grad.data() + c * d);
    for (std::size_t t = 0; t < nt; ++t) {
      float* out = syn1_.data() + static_cast<std::int64_t>(s.targets[t]) * dim_;
      const float* g = s.out_grad.data() + t * d;
#pragma omp simd
      for (std::size_t k = 0; k < d; ++k) out[k] += g[k];
    }
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
      const float* in = syn0_.data() + static_cast<std::int64_t>(row) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) h[k] += in[k];
    }
    for (std::int64_t k = 0; k < dim_; ++k) h[k] /= static_cast<float>(s.input_rows.size());
    std::fill(err, err + dim_, 0.0f);
    draw_targets(sen[static_cast<std::size_t>(pos)], rng, s.targets);
    negative_sampling(h, s.targets, alpha, err);
    for (std::int32_t row : s.input_rows) {
      float* in = syn0_.data() + static_cast<std::int64_t>(row) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) in[k] += err[k];
    }
  }

  // Word w's input vector: its row, or with subwords the mean of its rows
  // (written to `buffer`).
  const float* input_vector(std::int32_t w, float* buffer) const {
    const std::int64_t b = row_begin_[static_cast<std::size_t>(w)], e = row_begin_[static_cast<std::size_t>(w) + 1];
    if (e - b == 1) return syn0_.data() + static_cast<std::int64_t>(rows_[static_cast<std::size_t>(b)]) * dim_;
    std::fill(buffer, buffer + dim_, 0.0f);
    for (std::int64_t r = b; r < e; ++r) {
      const float* in = syn0_.data() + static_cast<std::int64_t>(rows_[static_cast<std::size_t>(r)]) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) buffer[k] += in[k];
    }
    const float scale = 1.0f / static_cast<float>(e - b);
    for (std::int64_t k = 0; k < dim_; ++k) buffer[k] *= scale;
    return buffer;
  }

  // The gradient of word w's input vector goes whole to each of its rows.
  void add_to_input_rows(std::int32_t w, const float* g) {
    for (std::int64_t r = row_begin_[static_cast<std::size_t>(w)]; r < row_begin_[static_cast<std::size_t>(w) + 1];
         ++r) {
      float* in = syn0_.data() + static_cast<std::int64_t>(rows_[static_cast<std::size_t>(r)]) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) in[k] += g[k];
    }
  }

  const Corpus& c_;
  const Word2VecOptions& o_;
  std::int64_t dim_;
  AliasTable noise_;
  double alpha0_;
  std::int64_t retained_;    // vocabulary tokens in the corpus (T of the subsampling formula)
  std::vector<float> keep_;  // subsampling keep-probability per word
  std::vector<float> syn0_, syn1_;
  std::vector<std::int32_t> rows_;       // input rows of every word, word after word
  std::vector<std::int64_t> row_begin_;  // word w's rows are rows_[row_begin_[w] .. row_begin_[w + 1])
  // One entry more than the steps: f just below 6 can round to index 1000
  // (word2vec.c allocates the same extra entry).
  float sigmoid_[kExpTable + 1];
};

}  // namespace

Word2VecResult train_word2vec(const std::vector<std::string>& corpus_files, const Word2VecOptions& o) {
  EMBED_CHECK(o.dim > 0 && o.dim <= 10000, "dim must be in [1, 10000], got {}", o.dim);
  EMBED_CHECK(o.window > 0 && o.window < (1 << 20), "window must be positive, got {}", o.window);
  EMBED_CHECK(o.negative > 0, "negative must be positive (hierarchical softmax is not implemented yet), got {}",
              o.negative);
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
