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
#include "embed/core/storage.h"
#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/sparse/term_table.h"

namespace embed::text {

namespace {

// The corpus as vocabulary ids, sentence by sentence (OOV words dropped).
struct Corpus {
  std::vector<std::string> words;    // vocabulary, most frequent first
  std::vector<std::int64_t> counts;  // per vocabulary word
  std::vector<std::int32_t> ids;     // all kept tokens
  std::vector<std::int64_t> sentence_end;
  std::int64_t tokens = 0;  // before min_count
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Calls word(text) for every token and end() at every end of line / max_sentence tokens.
template <typename Word, typename End>
void scan(const std::vector<std::string>& files, std::int64_t max_sentence, Word&& word, End&& end) {
  for (const std::string& path : files) {
    const auto file = MappedFile::open(path);
    const char* p = reinterpret_cast<const char*>(file->data());
    const char* stop = p + file->size();
    std::int64_t in_sentence = 0;
    while (p < stop) {
      if (*p == '\n') {
        if (in_sentence) end();
        in_sentence = 0;
        ++p;
        continue;
      }
      if (is_space(*p)) {
        ++p;
        continue;
      }
      const char* w = p;
      while (p < stop && *p != '\n' && !is_space(*p)) ++p;
      word(std::string_view(w, static_cast<std::size_t>(p - w)));
      if (++in_sentence == max_sentence) {
        end();
        in_sentence = 0;
      }
    }
    if (in_sentence) end();
  }
}

Corpus read_corpus(const std::vector<std::string>& files, const Word2VecOptions& o) {
  EMBED_CHECK(!files.empty(), "give at least one corpus file");
  TermTable table;
  std::vector<std::int64_t> count;
  std::vector<std::int32_t> raw;
  std::vector<std::int64_t> ends;
  scan(
      files, o.max_sentence,
      [&](std::string_view w) {
        const std::int32_t id = table.intern(w);
        if (static_cast<std::size_t>(id) == count.size()) count.push_back(0);
        ++count[static_cast<std::size_t>(id)];
        raw.push_back(id);
      },
      [&] { ends.push_back(static_cast<std::int64_t>(raw.size())); });
  Corpus c;
  c.tokens = static_cast<std::int64_t>(raw.size());
  EMBED_CHECK(c.tokens > 0, "the corpus holds no words");
  // Most frequent first, in gensim's order (so ids and files match it):
  // gensim takes the words in order of first appearance and sorts them by
  // np.argsort(counts)[::-1], numpy's unstable introsort reversed.
  std::vector<std::int32_t> kept;
  std::vector<double> kept_counts;
  for (std::int32_t i = 0; i < table.size(); ++i) {
    if (count[static_cast<std::size_t>(i)] < o.min_count) continue;
    kept.push_back(i);
    kept_counts.push_back(static_cast<double>(count[static_cast<std::size_t>(i)]));
  }
  EMBED_CHECK(kept.size() >= 2, "only {} distinct words occur at least min_count={} times: too few to train on",
              kept.size(), o.min_count);
  const std::vector<std::int64_t> ascending = numpy_argsort(kept_counts);
  std::vector<std::int32_t> order;
  for (auto it = ascending.rbegin(); it != ascending.rend(); ++it) order.push_back(kept[static_cast<std::size_t>(*it)]);
  std::vector<std::int32_t> vocab_id(static_cast<std::size_t>(table.size()), -1);
  for (std::size_t r = 0; r < order.size(); ++r) {
    vocab_id[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
    c.words.emplace_back(table.term(order[r]));
    c.counts.push_back(count[static_cast<std::size_t>(order[r])]);
  }
  std::size_t at = 0;
  for (std::int64_t e : ends) {
    for (; at < static_cast<std::size_t>(e); ++at) {
      const std::int32_t v = vocab_id[static_cast<std::size_t>(raw[at])];
      if (v >= 0) c.ids.push_back(v);
    }
    if (c.sentence_end.empty() || c.sentence_end.back() != static_cast<std::int64_t>(c.ids.size()))
      c.sentence_end.push_back(static_cast<std::int64_t>(c.ids.size()));
  }
  return c;
}

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
  std::vector<std::int32_t> targets, contexts;
  std::vector<float> in_grad, out_grad, hidden, hidden_error;
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
    syn0_.resize(static_cast<std::size_t>(v * dim_));
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
          const std::int64_t b = s ? c_.sentence_end[static_cast<std::size_t>(s) - 1] : 0;
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

  KeyedVectors vectors() { return KeyedVectors(c_.words, std::move(syn0_), dim_); }

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
    for (std::size_t c = 0; c < nc; ++c) {
      const float* in = syn0_.data() + static_cast<std::int64_t>(s.contexts[c]) * dim_;
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
    for (std::size_t c = 0; c < nc; ++c) {
      float* in = syn0_.data() + static_cast<std::int64_t>(s.contexts[c]) * dim_;
      const float* g = s.in_grad.data() + c * d;
#pragma omp simd
      for (std::size_t k = 0; k < d; ++k) in[k] += g[k];
    }
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
    std::fill(h, h + dim_, 0.0f);
    std::int64_t count = 0;
    for (std::int64_t c = lo; c <= hi; ++c) {
      if (c == pos) continue;
      const float* in = syn0_.data() + static_cast<std::int64_t>(sen[static_cast<std::size_t>(c)]) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) h[k] += in[k];
      ++count;
    }
    if (count == 0) return;
    for (std::int64_t k = 0; k < dim_; ++k) h[k] /= static_cast<float>(count);
    std::fill(err, err + dim_, 0.0f);
    draw_targets(sen[static_cast<std::size_t>(pos)], rng, s.targets);
    negative_sampling(h, s.targets, alpha, err);
    for (std::int64_t c = lo; c <= hi; ++c) {
      if (c == pos) continue;
      float* in = syn0_.data() + static_cast<std::int64_t>(sen[static_cast<std::size_t>(c)]) * dim_;
#pragma omp simd
      for (std::int64_t k = 0; k < dim_; ++k) in[k] += err[k];
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
  EMBED_CHECK(o.min_count >= 1 && o.epochs >= 1 && o.max_sentence >= 1,
              "min_count, epochs and max_sentence must be >= 1");
  EMBED_CHECK(o.sample >= 0 && std::isfinite(o.sample), "sample must be >= 0");
  EMBED_CHECK(o.alpha < 0 || (o.alpha > 0 && std::isfinite(o.alpha)), "alpha must be positive");
  const auto start = std::chrono::steady_clock::now();
  const Corpus corpus = read_corpus(corpus_files, o);
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
  r.vectors = trainer.vectors();
  r.corpus_words = corpus.tokens;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace embed::text
