// embedcpp: embedding diagnostics (embed/eval): collapse report, size
// advice, PCA and t-SNE projections. Vectors in as float32 (n, d) arrays.
#include <pybind11/stl.h>

#include "embed/core/error.h"
#include "embed/eval/collapse.h"
#include "embed/eval/projection.h"
#include "embed/eval/size_advice.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

using Floats = py::array_t<float, py::array::c_style | py::array::forcecast>;

std::pair<std::int64_t, std::int64_t> shape_of(const Floats& x) {
  EMBED_CHECK(x.ndim() == 2, "vectors must be an (n, d) array, got {} dimensions", x.ndim());
  return {x.shape(0), x.shape(1)};
}

py::array_t<float> matrix(const std::vector<float>& v, std::int64_t rows, std::int64_t cols) {
  py::array_t<float> a({rows, cols});
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

}  // namespace

void bind_eval(py::module_& m) {
  m.def(
      "collapse_report",
      [](const Floats& x, std::int64_t exact_pairs_limit, std::int64_t sampled_pairs, std::uint64_t seed) {
        const auto [n, d] = shape_of(x);
        eval::CollapseOptions o;
        o.exact_pairs_limit = exact_pairs_limit;
        o.sampled_pairs = sampled_pairs;
        o.seed = seed;
        eval::CollapseReport r;
        {
          py::gil_scoped_release release;
          r = eval::collapse_report(x.data(), n, d, o);
        }
        py::dict out;
        out["mean_cosine"] = r.mean_cosine;
        out["pairs"] = r.pairs;
        out["pairs_exact"] = r.pairs_exact;
        out["zero_vectors"] = r.zero_vectors;
        out["variance"] = r.variance;
        out["dead_dimensions"] = r.dead_dimensions;
        out["singular_values"] = r.singular_values;
        out["effective_rank"] = r.effective_rank;
        out["isotropy"] = r.isotropy;
        out["warnings"] = r.warnings;
        return out;
      },
      py::arg("vectors"), py::arg("exact_pairs_limit") = 2000, py::arg("sampled_pairs") = 200000, py::arg("seed") = 0);
  m.def(
      "advise_embedding_size",
      [](std::int64_t n) {
        const eval::SizeAdvice a = eval::advise_embedding_size(n);
        py::dict out;
        out["range"] = py::make_tuple(a.range_low, a.range_high);
        out["fastai"] = a.fastai;
        out["suggested"] = a.suggested;
        out["note"] = a.note;
        return out;
      },
      py::arg("cardinality"));
  m.def(
      "pca",
      [](const Floats& x, std::int64_t k) {
        const auto [n, d] = shape_of(x);
        eval::PcaResult r;
        {
          py::gil_scoped_release release;
          r = eval::pca(x.data(), n, d, k);
        }
        return py::make_tuple(matrix(r.coords, n, k), r.explained_variance, r.explained_variance_ratio);
      },
      py::arg("vectors"), py::arg("k") = 2, "(coords (n, k), explained_variance, explained_variance_ratio)");
  m.def(
      "tsne_affinities",
      [](const Floats& x, double perplexity) {
        const auto [n, d] = shape_of(x);
        const std::vector<double> p = eval::tsne_affinities(x.data(), n, d, perplexity);
        py::array_t<double> a({n, n});
        std::copy(p.begin(), p.end(), a.mutable_data());
        return a;
      },
      py::arg("vectors"), py::arg("perplexity") = 30.0);
  m.def(
      "tsne",
      [](const Floats& x, double perplexity, std::int64_t iterations) {
        const auto [n, d] = shape_of(x);
        eval::TsneOptions o;
        o.perplexity = perplexity;
        o.iterations = iterations;
        eval::TsneResult r;
        {
          py::gil_scoped_release release;
          r = eval::tsne(x.data(), n, d, o);
        }
        return py::make_tuple(matrix(r.coords, n, 2), r.kl_divergence);
      },
      py::arg("vectors"), py::arg("perplexity") = 30.0, py::arg("iterations") = 1000, "(coords (n, 2), KL divergence)");
}

}  // namespace embed::python
