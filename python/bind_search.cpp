// embedcpp: nearest-neighbour indexes (embed/search). Vectors in and out as
// float32 numpy arrays, ids as int64; search returns (scores, ids) like FAISS.
#include <pybind11/stl.h>

#include "embed/core/error.h"
#include "embed/search/exact_index.h"
#include "embed/search/hnsw_index.h"
#include "embed/search/ivfpq_index.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

using Floats = py::array_t<float, py::array::c_style | py::array::forcecast>;
using Ids = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

std::int64_t rows_of(const Floats& x, std::int64_t dim, const char* what) {
  EMBED_CHECK(x.ndim() == 2 && x.shape(1) == dim, "{} must be an (n, {}) array, got {} dimensions", what, dim,
              x.ndim());
  return x.shape(0);
}

}  // namespace

void bind_search(py::module_& m) {
  py::class_<search::Index>(m, "Index")
      .def_property_readonly("kind", [](const search::Index& i) { return std::string(i.kind()); })
      .def_property_readonly("dim", &search::Index::dim)
      .def_property_readonly("metric", [](const search::Index& i) { return std::string(metric_name(i.metric())); })
      .def("__len__", &search::Index::size)
      .def("__contains__", &search::Index::contains)
      .def(
          "add",
          [](search::Index& index, const Floats& x, const std::optional<Ids>& ids) {
            const std::int64_t n = rows_of(x, index.dim(), "vectors");
            if (ids) EMBED_CHECK(ids->ndim() == 1 && ids->shape(0) == n, "give one id per vector ({})", n);
            py::gil_scoped_release release;
            index.add(x.data(), n, ids ? ids->data() : nullptr);
          },
          py::arg("vectors"), py::arg("ids") = py::none())
      .def(
          "search",
          [](const search::Index& index, const Floats& q, std::int64_t k) {
            const std::int64_t nq = rows_of(q, index.dim(), "queries");
            search::SearchResults r;
            {
              py::gil_scoped_release release;
              r = index.search(q.data(), nq, k);
            }
            py::array_t<float> scores({nq, k});
            py::array_t<std::int64_t> ids({nq, k});
            std::copy(r.scores.begin(), r.scores.end(), scores.mutable_data());
            std::copy(r.ids.begin(), r.ids.end(), ids.mutable_data());
            return py::make_tuple(scores, ids);
          },
          py::arg("queries"), py::arg("k"), "(scores, ids), each (nq, k), best first; id -1 where none")
      .def(
          "remove", [](search::Index& index, const Ids& ids) { return index.remove(ids.data(), ids.size()); },
          "removes these ids; returns how many were present")
      .def("save", &search::Index::save);
  m.def(
      "exact_index",
      [](std::int64_t dim, const std::string& metric) -> std::unique_ptr<search::Index> {
        return std::make_unique<search::ExactIndex>(dim, search::parse_metric(metric));
      },
      py::arg("dim"), py::arg("metric") = "cosine", "exact (brute-force) index; metric cosine, ip or l2");
  py::class_<search::HnswIndex, search::Index>(m, "HnswIndex")
      .def_property(
          "ef_search", [](const search::HnswIndex& i) { return i.options().ef_search; },
          &search::HnswIndex::set_ef_search);
  m.def(
      "hnsw_index",
      [](std::int64_t dim, const std::string& metric, std::int64_t m, std::int64_t ef_construction,
         std::int64_t ef_search, std::uint64_t seed) {
        return std::make_unique<search::HnswIndex>(dim, search::parse_metric(metric),
                                                   search::HnswOptions{m, ef_construction, ef_search, seed});
      },
      py::arg("dim"), py::arg("metric") = "cosine", py::arg("M") = 16, py::arg("ef_construction") = 200,
      py::arg("ef_search") = 64, py::arg("seed") = 100, "approximate index (HNSW graph, hnswlib)");
  py::class_<search::IvfPqIndex, search::Index>(m, "IvfPqIndex")
      .def_property(
          "nprobe", [](const search::IvfPqIndex& i) { return i.options().nprobe; }, &search::IvfPqIndex::set_nprobe)
      .def_property_readonly("trained", &search::IvfPqIndex::trained)
      .def_property_readonly("m", [](const search::IvfPqIndex& i) { return i.options().m; });
  m.def(
      "ivfpq_index",
      [](std::int64_t dim, const std::string& metric, std::int64_t nlist, std::int64_t m, std::int64_t nprobe,
         std::int64_t train_size, std::uint64_t seed) {
        search::IvfPqOptions o;
        o.nlist = nlist;
        o.m = m;
        o.nprobe = nprobe;
        o.train_size = train_size;
        o.seed = seed;
        return std::make_unique<search::IvfPqIndex>(dim, search::parse_metric(metric), o);
      },
      py::arg("dim"), py::arg("metric") = "cosine", py::arg("nlist") = 1024, py::arg("m") = 0, py::arg("nprobe") = 16,
      py::arg("train_size") = 0, py::arg("seed") = 1234,
      "approximate index (IVF-PQ: coarse k-means cells, 8-bit product-quantised residuals)");
  m.def("load_index", &search::load_index);
}

}  // namespace embed::python
