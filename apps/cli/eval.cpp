// `embed eval collapse|size|plot`: diagnostics of an embedding space
// (embed/eval): collapse measures, size advice, PCA / t-SNE plots.
// Vectors come from a .npy matrix or a word-vector file (whose words label
// the points).
#include <cstdio>
#include <fstream>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/core/tensor.h"
#include "embed/eval/collapse.h"
#include "embed/eval/projection.h"
#include "embed/eval/scatter_svg.h"
#include "embed/eval/size_advice.h"
#include "embed/io/npy.h"
#include "embed/text/static/subword.h"

namespace embed::cli {

namespace {

struct Vectors {
  std::vector<float> values;
  std::int64_t n = 0, dim = 0;
  std::vector<std::string> words;  // for word-vector files
};

// The first `limit` rows (0: all).
Vectors load_vectors(const std::string& path, std::int64_t limit) {
  Vectors v;
  if (path.ends_with(".npy")) {
    const Tensor t = load_npy(path).to(DType::f32).contiguous();
    EMBED_CHECK(t.dim() == 2, "{}: expected a 2-D matrix, got {} dimensions", path, t.dim());
    v.n = t.shape()[0];
    v.dim = t.shape()[1];
    v.values.assign(t.data<float>(), t.data<float>() + v.n * v.dim);
  } else {
    const text::KeyedVectors kv = text::load_word_vectors(path);
    v.n = kv.size();
    v.dim = kv.dim();
    v.values = kv.vectors();
    v.words = kv.words();
  }
  if (limit > 0 && v.n > limit) {
    v.n = limit;
    v.values.resize(static_cast<std::size_t>(v.n * v.dim));
    if (!v.words.empty()) v.words.resize(static_cast<std::size_t>(v.n));
  }
  return v;
}

}  // namespace

int run_eval_collapse(const EvalOptions& o) {
  const Vectors v = load_vectors(o.input, o.limit);
  eval::CollapseOptions c;
  c.seed = o.seed;
  const eval::CollapseReport r = eval::collapse_report(v.values.data(), v.n, v.dim, c);
  std::printf("%lld vectors of dimension %lld\n", static_cast<long long>(r.n), static_cast<long long>(r.dim));
  std::printf("mean pairwise cosine  %.4f  (%s %lld pairs)\n", r.mean_cosine, r.pairs_exact ? "all" : "sample of",
              static_cast<long long>(r.pairs));
  std::printf("variance per dimension  mean %.4g  min %.4g  max %.4g  (%lld near zero)\n", r.mean_variance,
              r.min_variance, r.max_variance, static_cast<long long>(r.dead_dimensions));
  std::printf("effective rank  %.2f of %lld\n", r.effective_rank, static_cast<long long>(r.dim));
  std::printf("isotropy  %.4f  (1 = isotropic)\n", r.isotropy);
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  if (r.warnings.empty()) std::printf("no sign of collapse\n");
  return 0;
}

int run_eval_size(const EvalOptions& o) {
  const eval::SizeAdvice a = eval::advise_embedding_size(o.cardinality);
  std::printf("%lld distinct values: %lld-%lld dimensions by cardinality; fastai's 1.6 n^0.56 (max 600): %lld\n",
              static_cast<long long>(a.cardinality), static_cast<long long>(a.range_low),
              static_cast<long long>(a.range_high), static_cast<long long>(a.fastai));
  std::printf("suggested: %lld\nnote: %s\n", static_cast<long long>(a.suggested), a.note.c_str());
  return 0;
}

int run_eval_plot(const EvalOptions& o) {
  const Vectors v = load_vectors(o.input, o.limit);
  std::vector<float> coords;
  std::string title;
  if (o.method == "pca") {
    const eval::PcaResult r = eval::pca(v.values.data(), v.n, v.dim, 2);
    coords = r.coords;
    title = fmt::format("PCA of {} vectors ({:.1f}% + {:.1f}% of the variance)", v.n,
                        100 * r.explained_variance_ratio[0], 100 * r.explained_variance_ratio[1]);
  } else {
    EMBED_CHECK(v.n <= 20000, "t-SNE here is exact (O(n^2) per iteration): give at most 20000 points (--limit)");
    eval::TsneOptions t;
    t.perplexity = o.perplexity;
    t.iterations = o.iterations;
    t.progress = true;
    const eval::TsneResult r = eval::tsne(v.values.data(), v.n, v.dim, t);
    coords = r.coords;
    title = fmt::format("t-SNE of {} vectors (perplexity {}, KL {:.3f})", v.n, o.perplexity, r.kl_divergence);
  }
  eval::ScatterOptions s;
  s.title = title;
  if (!o.labels.empty()) {
    std::ifstream in(o.labels);
    if (!in) throw IoError(fmt::format("{}: cannot open", o.labels));
    for (std::string line; std::getline(in, line) && static_cast<std::int64_t>(s.labels.size()) < v.n;)
      s.labels.push_back(line);
    EMBED_CHECK(static_cast<std::int64_t>(s.labels.size()) == v.n, "{}: {} labels for {} points", o.labels,
                s.labels.size(), v.n);
  } else {
    s.labels = v.words;
  }
  eval::write_scatter_svg(o.output, coords, s);
  std::fprintf(stderr, "%s -> %s\n", title.c_str(), o.output.c_str());
  if (!o.coords.empty()) {
    save_npy(o.coords, Tensor::from_vector(coords, {v.n, 2}));
    std::fprintf(stderr, "coordinates -> %s\n", o.coords.c_str());
  }
  return 0;
}

}  // namespace embed::cli
