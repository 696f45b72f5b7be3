// embedcpp: sparse text vectors (analyzer, TF-IDF vectorizer, CSR files).
// Keyword names and defaults follow scikit-learn's TfidfVectorizer where it
// has the option (min_df/max_df: int = a count, float = a fraction).
#include <pybind11/stl.h>

#include "embed/text/sparse/numpy_argsort.h"
#include "embed/text/sparse/sparse_search.h"
#include "embed/text/sparse/vectorizer.h"
#include "embed/text/tokenize/tokenizer_json.h"
#include "embed/text/tokenize/unicode.h"
#include "embed/text/tokenize/utf8.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

text::DfBound df_bound(const py::handle& h) {
  if (py::isinstance<py::int_>(h)) return {static_cast<double>(h.cast<std::int64_t>()), false};
  return {h.cast<double>(), true};
}

text::VectorizerOptions vectorizer_options(const py::kwargs& kw) {
  text::VectorizerOptions o;
  for (const auto& [key, value] : kw) {
    const std::string k = key.cast<std::string>();
    if (k == "analyzer")
      o.analyzer.kind = text::parse_analyzer_kind(value.cast<std::string>());
    else if (k == "lowercase")
      o.analyzer.lowercase = value.cast<bool>();
    else if (k == "strip_accents")
      o.analyzer.strip_accents =
          value.is_none() ? text::AccentStripping::none : text::parse_accent_stripping(value.cast<std::string>());
    else if (k == "ngram_range")
      std::tie(o.analyzer.ngram_min, o.analyzer.ngram_max) = value.cast<std::pair<int, int>>();
    else if (k == "stop_words")
      o.analyzer.stop_words = value.is_none() ? std::vector<std::string>{} : value.cast<std::vector<std::string>>();
    else if (k == "tokenizer")
      o.analyzer.tokenizer =
          value.is_none()
              ? nullptr
              : std::make_shared<const text::Tokenizer>(text::load_tokenizer_json(value.cast<std::string>()));
    else if (k == "min_df")
      o.min_df = df_bound(value);
    else if (k == "max_df")
      o.max_df = df_bound(value);
    else if (k == "max_features")
      o.max_features = value.is_none() ? 0 : value.cast<std::int64_t>();
    else if (k == "binary")
      o.binary = value.cast<bool>();
    else if (k == "tf")
      o.tf = text::parse_tf_scheme(value.cast<std::string>());
    else if (k == "idf")
      o.idf = text::parse_idf_scheme(value.cast<std::string>());
    else if (k == "clip_idf")
      o.clip_idf = value.cast<bool>();
    else if (k == "norm")
      o.norm = value.is_none() ? text::RowNorm::none : text::parse_row_norm(value.cast<std::string>());
    else
      throw InvalidArgument("unknown vectorizer option '" + k + "'");
  }
  return o;
}

// (data, indices, indptr, shape): what scipy.sparse.csr_matrix((data, indices, indptr), shape) takes.
py::tuple csr_tuple(text::CsrMatrix&& m) {
  const py::tuple shape = py::make_tuple(m.rows, m.cols);
  return py::make_tuple(vector_to_numpy(std::move(m.data)), vector_to_numpy(std::move(m.indices)),
                        vector_to_numpy(std::move(m.indptr)), shape);
}

text::CsrMatrix csr_from(const py::array_t<double>& data, const py::array_t<std::int32_t>& indices,
                         const py::array_t<std::int64_t>& indptr, std::pair<std::int64_t, std::int64_t> shape) {
  text::CsrMatrix m;
  m.rows = shape.first;
  m.cols = shape.second;
  m.data.assign(data.data(), data.data() + data.size());
  m.indices.assign(indices.data(), indices.data() + indices.size());
  m.indptr.assign(indptr.data(), indptr.data() + indptr.size());
  m.validate("matrix");
  return m;
}

}  // namespace

void bind_sparse(py::module_& m) {
  py::class_<text::Vectorizer>(m, "Vectorizer")
      .def_static(
          "fit",
          [](const std::vector<std::string>& docs, const py::kwargs& kw) {
            text::CsrMatrix fitted;
            text::Vectorizer v = text::Vectorizer::fit(docs, vectorizer_options(kw), &fitted);
            return py::make_tuple(std::move(v), csr_tuple(std::move(fitted)));
          },
          "(vectorizer, rows of the documents as (data, indices, indptr, shape)); options as TfidfVectorizer's")
      .def("transform",
           [](const text::Vectorizer& v, const std::vector<std::string>& docs) { return csr_tuple(v.transform(docs)); })
      .def_property_readonly("vocabulary", &text::Vectorizer::vocabulary)
      .def_property_readonly("idf", &text::Vectorizer::idf)
      .def_property_readonly("n_documents", &text::Vectorizer::n_documents)
      .def("save", &text::Vectorizer::save)
      .def_static("load", &text::Vectorizer::load);

  m.def(
      "analyze",
      [](const std::string& doc, const py::kwargs& kw) {
        const text::Analyzer a(vectorizer_options(kw).analyzer);
        text::TermList terms;
        a.analyze(doc, terms);
        std::vector<std::string> out;
        for (std::size_t i = 0; i < terms.size(); ++i) out.emplace_back(terms[i]);
        return out;
      },
      "the terms of one document (options as TfidfVectorizer's)");
  m.def("numpy_argsort", &text::numpy_argsort, "numpy.argsort's default order, reproduced");
  m.def("python_lower",
        [](const std::string& s) { return text::encode_utf8(text::python_lower(text::decode_utf8(s).chars)); });
  m.def("save_npz",
        [](const std::string& path, const py::array_t<double>& data, const py::array_t<std::int32_t>& indices,
           const py::array_t<std::int64_t>& indptr, std::pair<std::int64_t, std::int64_t> shape) {
          text::save_npz(path, csr_from(data, indices, indptr, shape));
        });
  py::class_<text::SparseIndex>(m, "SparseIndex")
      .def(py::init([](const py::array_t<double>& data, const py::array_t<std::int32_t>& indices,
                       const py::array_t<std::int64_t>& indptr, std::pair<std::int64_t, std::int64_t> shape) {
        return text::SparseIndex(csr_from(data, indices, indptr, shape));
      }))
      .def(
          "search",
          [](const text::SparseIndex& index, const py::array_t<double>& data, const py::array_t<std::int32_t>& indices,
             const py::array_t<std::int64_t>& indptr, std::pair<std::int64_t, std::int64_t> shape, std::int64_t k) {
            std::vector<std::vector<std::pair<std::int64_t, double>>> out;
            for (const auto& hits : index.search(csr_from(data, indices, indptr, shape), k)) {
              out.emplace_back();
              for (const auto& h : hits) out.back().emplace_back(h.row, h.score);
            }
            return out;
          },
          "per query row: [(document row, cosine)] best first");
  m.def("load_npz", [](const std::string& path) { return csr_tuple(text::load_npz(path)); });
}

}  // namespace embed::python
