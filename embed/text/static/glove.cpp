#include "embed/text/static/glove.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/core/progress.h"
#include "embed/core/rng.h"
#include "embed/text/tokenize/pair_index.h"

namespace embed::text {

namespace {

// (row, column) -> running sum, for the rows one thread owns: the pairs'
// dense indices from a PairIndex, and the sums by index.
class PairCounts {
 public:
  void add(std::uint32_t row, std::uint32_t column, double value) {
    const auto i =
        static_cast<std::size_t>(index_.intern(static_cast<std::int32_t>(row), static_cast<std::int32_t>(column)));
    if (i == sums_.size()) {
      pairs_.emplace_back(row, column);
      sums_.push_back(0.0);
    }
    sums_[i] += value;
  }

  void append_to(std::vector<Cooccurrence>& out) const {
    for (std::size_t i = 0; i < sums_.size(); ++i)
      out.push_back(Cooccurrence{static_cast<std::int32_t>(pairs_[i].first),
                                 static_cast<std::int32_t>(pairs_[i].second), sums_[i]});
  }
  std::size_t size() const { return sums_.size(); }

 private:
  PairIndex index_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
  std::vector<double> sums_;
};

// One co-occurrence as training reads it: ln X and f(X) computed once.
struct Pair {
  std::int32_t row, column;
  float log_count, weight;
};

// The co-occurrences arranged for stratified SGD (Gemulla et al. 2011,
// "Large-scale matrix factorization with distributed stochastic gradient
// descent"): words fall into B blocks (id mod B), the pairs into B x B cells
// by (row block, column block), each cell in the shuffled order. An epoch
// runs B strata; stratum k trains cells (t, t + k mod B) side by side, one
// thread each. Cells of a stratum share no word row and no context row, so
// the threads never race and a seed gives the same vectors at a given thread
// count (Hogwild, as in glove.c, does not). With one block this is the
// shuffled order itself.
struct Strata {
  std::size_t blocks = 1;
  std::vector<Pair> pairs;         // cell by cell
  std::vector<std::size_t> begin;  // cell c is pairs[begin[c], begin[c + 1])
};

Strata stratify(std::vector<Pair> shuffled, std::size_t blocks) {
  Strata s;
  s.blocks = blocks;
  if (blocks == 1) {  // one cell: the shuffled order as it is, without a second copy
    s.pairs = std::move(shuffled);
    s.begin = {0, s.pairs.size()};
    return s;
  }
  const auto cell_of = [&](const Pair& p) {
    return static_cast<std::size_t>(p.row) % blocks * blocks + static_cast<std::size_t>(p.column) % blocks;
  };
  s.begin.assign(blocks * blocks + 1, 0);
  for (const Pair& p : shuffled) ++s.begin[cell_of(p) + 1];
  for (std::size_t c = 0; c < blocks * blocks; ++c) s.begin[c + 1] += s.begin[c];
  std::vector<std::size_t> at(s.begin.begin(), s.begin.end() - 1);
  s.pairs.resize(shuffled.size());
  for (const Pair& p : shuffled) s.pairs[at[cell_of(p)]++] = p;
  return s;
}

class Trainer {
 public:
  Trainer(std::int64_t vocabulary, const GloveOptions& o) : o_(o), d_(o.dim) {
    const auto v = static_cast<std::size_t>(vocabulary), d = static_cast<std::size_t>(o.dim);
    word_.resize(v * d);
    context_.resize(v * d);
    word_bias_.resize(v);
    context_bias_.resize(v);
    Generator init(o.seed);
    const auto uniform = [&] { return (init.uniform() - 0.5f) / static_cast<float>(o.dim); };
    for (std::size_t i = 0; i < v; ++i) {
      for (std::size_t k = 0; k < d; ++k) word_[i * d + k] = uniform();
      word_bias_[i] = uniform();
    }
    for (std::size_t i = 0; i < v; ++i) {
      for (std::size_t k = 0; k < d; ++k) context_[i * d + k] = uniform();
      context_bias_[i] = uniform();
    }
    word_sq_.assign(v * d, 1.0f);
    context_sq_.assign(v * d, 1.0f);
    word_bias_sq_.assign(v, 1.0f);
    context_bias_sq_.assign(v, 1.0f);
  }

  // One pass over the pairs, arranged by Strata; returns J / pairs.
  double epoch(const Strata& strata, Progress* progress) {
    const std::size_t blocks = strata.blocks;
    std::vector<double> cost(blocks * blocks, 0.0);
    for (std::size_t k = 0; k < blocks && !interrupted(); ++k) {
      // Cell (t, t + k mod B) for every t: no two share a word row or a
      // context row, so the threads never touch the same parameters.
      parallel_for(static_cast<std::int64_t>(blocks), std::int64_t{1} << 20, [&](std::int64_t lo, std::int64_t hi) {
        for (auto t = static_cast<std::size_t>(lo); t < static_cast<std::size_t>(hi); ++t) {
          const std::size_t cell = t * blocks + (t + k) % blocks;
          const std::size_t begin = strata.begin[cell], end = strata.begin[cell + 1];
          double local = 0;
          for (std::size_t at = begin; at < end; at += kChunk) {
            if (interrupted()) break;
            const std::size_t stop = std::min(end, at + kChunk);
            for (std::size_t i = at; i < stop; ++i) local += step(strata.pairs[i]);
            if (progress) progress->advance(static_cast<std::int64_t>(stop - at));
          }
          cost[cell] = local;
        }
      });
    }
    double total = 0;
    for (double c : cost) total += c;
    return strata.pairs.empty() ? 0.0 : total / static_cast<double>(strata.pairs.size());
  }

  void results(GloveResult& r) {
    r.word = std::move(word_);
    r.context = std::move(context_);
    r.word_bias = std::move(word_bias_);
    r.context_bias = std::move(context_bias_);
  }

 private:
  static constexpr std::int64_t kChunk = 65536;

  // The AdaGrad step of glove.c for one co-occurrence; returns its loss term.
  double step(const Pair& p) {
    float* w = word_.data() + static_cast<std::int64_t>(p.row) * d_;
    float* c = context_.data() + static_cast<std::int64_t>(p.column) * d_;
    float* gw = word_sq_.data() + static_cast<std::int64_t>(p.row) * d_;
    float* gc = context_sq_.data() + static_cast<std::int64_t>(p.column) * d_;
    float dot = 0;
#pragma omp simd reduction(+ : dot)
    for (std::int64_t k = 0; k < d_; ++k) dot += w[k] * c[k];
    const float diff = dot + word_bias_[static_cast<std::size_t>(p.row)] +
                       context_bias_[static_cast<std::size_t>(p.column)] - p.log_count;
    if (!std::isfinite(diff)) return 0;  // glove.c skips such a pair too
    const float weighted = p.weight * diff;
    const float g = static_cast<float>(o_.eta) * weighted;
#pragma omp simd
    for (std::int64_t k = 0; k < d_; ++k) {
      const float gw_k = g * c[k], gc_k = g * w[k];  // both from the values before this pair
      w[k] -= gw_k / std::sqrt(gw[k]);
      c[k] -= gc_k / std::sqrt(gc[k]);
      gw[k] += gw_k * gw_k;
      gc[k] += gc_k * gc_k;
    }
    float& bw = word_bias_[static_cast<std::size_t>(p.row)];
    float& bc = context_bias_[static_cast<std::size_t>(p.column)];
    float& gbw = word_bias_sq_[static_cast<std::size_t>(p.row)];
    float& gbc = context_bias_sq_[static_cast<std::size_t>(p.column)];
    bw -= g / std::sqrt(gbw);
    bc -= g / std::sqrt(gbc);
    gbw += g * g;
    gbc += g * g;
    return 0.5 * static_cast<double>(weighted) * static_cast<double>(diff);
  }

  const GloveOptions& o_;
  std::int64_t d_;
  std::vector<float> word_, context_, word_bias_, context_bias_;
  std::vector<float> word_sq_, context_sq_, word_bias_sq_, context_bias_sq_;  // AdaGrad's G
};

void check_options(const GloveOptions& o) {
  EMBED_CHECK(o.dim > 0 && o.dim <= 10000, "dim must be in [1, 10000], got {}", o.dim);
  EMBED_CHECK(o.window > 0 && o.window < (1 << 20), "window must be positive, got {}", o.window);
  EMBED_CHECK(o.min_count >= 1, "min_count must be >= 1, got {}", o.min_count);
  EMBED_CHECK(o.epochs >= 0, "epochs must be >= 0, got {}", o.epochs);
  EMBED_CHECK(o.x_max > 0 && std::isfinite(o.x_max), "x_max must be positive, got {}", o.x_max);
  EMBED_CHECK(o.alpha >= 0 && std::isfinite(o.alpha), "alpha must be >= 0, got {}", o.alpha);
  EMBED_CHECK(o.eta > 0 && std::isfinite(o.eta), "eta must be positive, got {}", o.eta);
}

}  // namespace

std::vector<Cooccurrence> count_cooccurrences(const Corpus& corpus, std::int64_t window, bool symmetric) {
  EMBED_CHECK(window > 0, "window must be positive, got {}", window);
  // Each thread scans the whole corpus and counts the rows it owns (row %
  // threads), so no two threads touch one sum and every sum adds its terms
  // in corpus order, whatever the thread count.
  const int threads = std::max(1, num_threads());
  std::vector<std::vector<Cooccurrence>> parts(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::uint32_t>(omp_get_thread_num());
    const auto owners = static_cast<std::uint32_t>(threads);
    PairCounts counts;
    for (std::int64_t s = 0; s < corpus.sentences(); ++s) {
      const std::int64_t b = corpus.sentence_begin(s), e = corpus.sentence_end[static_cast<std::size_t>(s)];
      for (std::int64_t j = b; j < e; ++j) {
        const auto w2 = static_cast<std::uint32_t>(corpus.ids[static_cast<std::size_t>(j)]);
        const bool own2 = symmetric && w2 % owners == t;
        for (std::int64_t i = j - 1; i >= std::max(b, j - window); --i) {
          const auto w1 = static_cast<std::uint32_t>(corpus.ids[static_cast<std::size_t>(i)]);
          const double value = 1.0 / static_cast<double>(j - i);
          if (w1 % owners == t) counts.add(w1, w2, value);
          if (own2) counts.add(w2, w1, value);
        }
      }
    }
    auto& part = parts[static_cast<std::size_t>(t)];
    part.reserve(counts.size());
    counts.append_to(part);
  }
  std::vector<Cooccurrence> all;
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  all.reserve(total);
  for (auto& p : parts) {
    all.insert(all.end(), p.begin(), p.end());
    std::vector<Cooccurrence>().swap(p);
  }
  std::sort(all.begin(), all.end(), [](const Cooccurrence& a, const Cooccurrence& b) {
    return a.row != b.row ? a.row < b.row : a.column < b.column;
  });
  return all;
}

GloveResult train_glove(const Corpus& corpus, const GloveOptions& o) {
  check_options(o);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Pair> pairs;
  {
    const std::vector<Cooccurrence> counts = count_cooccurrences(corpus, o.window, o.symmetric);
    check_interrupted("counting co-occurrences");
    pairs.reserve(counts.size());
    for (const Cooccurrence& x : counts) {
      const float weight = x.count < o.x_max ? static_cast<float>(std::pow(x.count / o.x_max, o.alpha)) : 1.0f;
      pairs.push_back(Pair{x.row, x.column, static_cast<float>(std::log(x.count)), weight});
    }
  }
  if (o.shuffle) {  // Fisher-Yates
    Generator rng(o.seed ^ 0x5DEECE66DULL);
    for (std::size_t i = pairs.size(); i > 1; --i) std::swap(pairs[i - 1], pairs[rng.below(i)]);
  }
  const auto blocks = static_cast<std::size_t>(std::max(1, num_threads()));
  const Strata strata = stratify(std::move(pairs), blocks);
  GloveResult r;
  Trainer trainer(static_cast<std::int64_t>(corpus.words.size()), o);
  {
    Progress progress("GloVe", o.epochs * static_cast<std::int64_t>(strata.pairs.size()), "pairs",
                      Progress::Options{.enabled = o.progress && o.epochs > 0});
    for (std::int64_t e = 0; e < o.epochs; ++e) {
      r.epoch_loss.push_back(trainer.epoch(strata, &progress));
      check_interrupted("GloVe training");
    }
    progress.finish();
  }
  trainer.results(r);
  const auto d = static_cast<std::size_t>(o.dim);
  std::vector<float> sum(r.word.size());
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = r.word[i] + r.context[i];
  r.vectors = KeyedVectors(corpus.words, std::move(sum), static_cast<std::int64_t>(d));
  r.cooccurrences = static_cast<std::int64_t>(strata.pairs.size());
  r.corpus_words = corpus.tokens;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

GloveResult train_glove(const std::vector<std::string>& corpus_files, const GloveOptions& o) {
  check_options(o);
  const auto start = std::chrono::steady_clock::now();
  // Lines are never cut: a cut would drop the pairs across it.
  const Corpus corpus =
      read_corpus(corpus_files, o.min_count, std::numeric_limits<std::int64_t>::max(), o.invalid_utf8);
  check_interrupted("reading the corpus");
  GloveResult r = train_glove(corpus, o);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace embed::text
