// embedcpp: static word vectors (Word2Vec training, KeyedVectors, word2vec files).
#include <pybind11/stl.h>

#include "embed/text/static/word2vec.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

void bind_static(py::module_& m) {
  py::class_<text::KeyedVectors>(m, "KeyedVectors")
      .def_property_readonly("words", &text::KeyedVectors::words)
      .def_property_readonly("dim", &text::KeyedVectors::dim)
      .def_property_readonly("vectors",
                             [](const text::KeyedVectors& kv) {
                               py::array_t<float> a({kv.size(), kv.dim()});
                               std::copy(kv.vectors().begin(), kv.vectors().end(), a.mutable_data());
                               return a;
                             })
      .def("index", &text::KeyedVectors::index)
      .def(
          "most_similar",
          [](const text::KeyedVectors& kv, const std::vector<std::string>& positive,
             const std::vector<std::string>& negative, std::int64_t topn, std::int64_t restrict_vocab) {
            std::vector<std::pair<std::string, float>> out;
            for (const auto& n : kv.most_similar(positive, negative, topn, restrict_vocab))
              out.emplace_back(n.word, n.cosine);
            return out;
          },
          py::arg("positive"), py::arg("negative") = std::vector<std::string>{}, py::arg("topn") = 10,
          py::arg("restrict_vocab") = 0)
      .def("doesnt_match", &text::KeyedVectors::doesnt_match)
      .def(
          "evaluate_analogies",
          [](const text::KeyedVectors& kv, const std::string& path, std::int64_t restrict_vocab, bool cosmul) {
            const auto r = kv.evaluate_analogies(path, restrict_vocab, cosmul);
            return py::make_tuple(r.accuracy(), r.correct, r.total, r.skipped);
          },
          py::arg("path"), py::arg("restrict_vocab") = 300000, py::arg("cosmul") = false,
          "(accuracy, correct, answered, skipped)")
      .def(
          "evaluate_similarity",
          [](const text::KeyedVectors& kv, const std::string& path) {
            const auto r = kv.evaluate_similarity(path);
            return py::make_tuple(r.spearman, r.pairs, r.oov);
          },
          "(spearman, pairs, oov pairs)")
      .def("save_word2vec", &text::KeyedVectors::save_word2vec, py::arg("path"), py::arg("binary") = true)
      .def_static("load_word2vec", &text::KeyedVectors::load_word2vec, py::arg("path"), py::arg("binary") = true);

  m.def(
      "train_word2vec",
      [](const std::vector<std::string>& files, bool skip_gram, std::int64_t dim, std::int64_t window,
         std::int64_t negative, std::int64_t min_count, double sample, double alpha, std::int64_t epochs,
         std::uint64_t seed) {
        text::Word2VecOptions o;
        o.skip_gram = skip_gram;
        o.dim = dim;
        o.window = window;
        o.negative = negative;
        o.min_count = min_count;
        o.sample = sample;
        o.alpha = alpha;
        o.epochs = epochs;
        o.seed = seed;
        o.progress = false;
        text::Word2VecResult r;
        {
          py::gil_scoped_release release;
          r = text::train_word2vec(files, o);
        }
        return py::make_tuple(std::move(r.vectors), r.corpus_words, r.trained_words, r.seconds);
      },
      py::arg("files"), py::arg("skip_gram") = true, py::arg("dim") = 100, py::arg("window") = 5,
      py::arg("negative") = 5, py::arg("min_count") = 5, py::arg("sample") = 1e-3, py::arg("alpha") = -1.0,
      py::arg("epochs") = 5, py::arg("seed") = 1, "(KeyedVectors, corpus words, trained words, seconds)");
}

}  // namespace embed::python
