// embedcpp: static word vectors (Word2Vec and GloVe training, KeyedVectors, word2vec files).
#include <pybind11/stl.h>

#include <limits>

#include "embed/text/static/glove.h"
#include "embed/text/static/word2vec.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

text::InvalidUtf8 invalid_utf8_policy(const std::string& name) {
  if (name == "reject") return text::InvalidUtf8::reject;
  if (name == "replace") return text::InvalidUtf8::replace;
  throw InvalidArgument("invalid_utf8 must be \"reject\" or \"replace\", got \"" + name + "\"");
}

}  // namespace

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

  py::class_<text::SubwordVectors>(m, "SubwordVectors")
      .def_property_readonly("words", &text::SubwordVectors::words)
      .def_property_readonly("dim", &text::SubwordVectors::dim)
      .def_property_readonly("min_n", [](const text::SubwordVectors& s) { return s.config().min_n; })
      .def_property_readonly("max_n", [](const text::SubwordVectors& s) { return s.config().max_n; })
      .def_property_readonly("buckets", [](const text::SubwordVectors& s) { return s.config().buckets; })
      .def("rows", &text::SubwordVectors::rows, "input-matrix rows that make up a word (its own, then n-grams)")
      .def("word_vector",
           [](const text::SubwordVectors& s, const std::string& word) {
             const std::vector<float> v = s.word_vector(word);
             py::array_t<float> a(static_cast<py::ssize_t>(v.size()));
             std::copy(v.begin(), v.end(), a.mutable_data());
             return a;
           })
      .def(
          "nearest",
          [](const text::SubwordVectors& s, const std::string& word, std::int64_t topn) {
            std::vector<std::pair<std::string, float>> out;
            for (const auto& n : s.nearest(word, topn)) out.emplace_back(n.word, n.cosine);
            return out;
          },
          py::arg("word"), py::arg("topn") = 10)
      .def("keyed_vectors", &text::SubwordVectors::keyed_vectors)
      .def("save_fasttext", &text::SubwordVectors::save_fasttext)
      .def_static("load_fasttext", &text::SubwordVectors::load_fasttext);
  m.def(
      "huffman_tree",
      [](const std::vector<std::int64_t>& counts) {
        const text::HuffmanTree t = text::build_huffman_tree(counts);
        std::vector<std::pair<std::vector<int>, std::vector<int>>> out;
        for (std::size_t w = 0; w + 1 < t.begin.size(); ++w) {
          const auto b = static_cast<std::size_t>(t.begin[w]), e = static_cast<std::size_t>(t.begin[w + 1]);
          out.emplace_back(std::vector<int>(t.codes.begin() + static_cast<std::ptrdiff_t>(b),
                                            t.codes.begin() + static_cast<std::ptrdiff_t>(e)),
                           std::vector<int>(t.points.begin() + static_cast<std::ptrdiff_t>(b),
                                            t.points.begin() + static_cast<std::ptrdiff_t>(e)));
        }
        return out;
      },
      "per word (codes, points), root first, for counts sorted most frequent first");
  m.def("fasttext_hash", [](const py::bytes& b) { return text::fasttext_hash(std::string(b)); });

  m.def(
      "train_word2vec",
      [](const std::vector<std::string>& files, bool skip_gram, std::int64_t dim, std::int64_t window,
         std::int64_t negative, std::int64_t min_count, double sample, double alpha, std::int64_t epochs,
         std::uint64_t seed, const std::string& invalid_utf8, std::int64_t min_n, std::int64_t max_n,
         std::int64_t buckets, bool hs, bool deterministic) {
        text::Word2VecOptions o;
        o.deterministic = deterministic;
        o.min_n = min_n;
        o.max_n = max_n;
        o.buckets = buckets;
        o.hierarchical_softmax = hs;
        o.invalid_utf8 = invalid_utf8_policy(invalid_utf8);
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
        py::object subwords = py::none();
        if (max_n > 0) subwords = py::cast(std::move(r.subwords));
        return py::make_tuple(std::move(r.vectors), r.corpus_words, r.trained_words, r.seconds, subwords);
      },
      py::arg("files"), py::arg("skip_gram") = true, py::arg("dim") = 100, py::arg("window") = 5,
      py::arg("negative") = 5, py::arg("min_count") = 5, py::arg("sample") = 1e-3, py::arg("alpha") = -1.0,
      py::arg("epochs") = 5, py::arg("seed") = 1, py::arg("invalid_utf8") = "reject", py::arg("min_n") = 3,
      py::arg("max_n") = 0, py::arg("buckets") = 2000000, py::arg("hs") = false, py::arg("deterministic") = true,
      "(KeyedVectors, corpus words, trained words, seconds, SubwordVectors or None); max_n > 0 trains "
      "fastText-style subword vectors; deterministic=False trains Hogwild on several threads");

  m.def(
      "glove_cooccurrences",
      [](const std::vector<std::string>& files, std::int64_t window, bool symmetric, std::int64_t min_count,
         const std::string& invalid_utf8) {
        const text::Corpus corpus = text::read_corpus(files, min_count, std::numeric_limits<std::int64_t>::max(),
                                                      invalid_utf8_policy(invalid_utf8));
        const auto counts = text::count_cooccurrences(corpus, window, symmetric);
        py::array_t<std::int32_t> rows(static_cast<py::ssize_t>(counts.size()));
        py::array_t<std::int32_t> columns(static_cast<py::ssize_t>(counts.size()));
        py::array_t<double> values(static_cast<py::ssize_t>(counts.size()));
        for (std::size_t i = 0; i < counts.size(); ++i) {
          rows.mutable_data()[i] = counts[i].row;
          columns.mutable_data()[i] = counts[i].column;
          values.mutable_data()[i] = counts[i].count;
        }
        return py::make_tuple(corpus.words, rows, columns, values);
      },
      py::arg("files"), py::arg("window") = 10, py::arg("symmetric") = true, py::arg("min_count") = 5,
      py::arg("invalid_utf8") = "reject", "(vocabulary, rows, columns, counts), sorted by (row, column)");
  m.def(
      "train_glove",
      [](const std::vector<std::string>& files, std::int64_t dim, std::int64_t window, bool symmetric,
         std::int64_t min_count, double x_max, double alpha, double eta, std::int64_t epochs, std::uint64_t seed,
         bool shuffle, const std::string& invalid_utf8) {
        text::GloveOptions o;
        o.invalid_utf8 = invalid_utf8_policy(invalid_utf8);
        o.dim = dim;
        o.window = window;
        o.symmetric = symmetric;
        o.min_count = min_count;
        o.x_max = x_max;
        o.alpha = alpha;
        o.eta = eta;
        o.epochs = epochs;
        o.seed = seed;
        o.shuffle = shuffle;
        o.progress = false;
        text::GloveResult r;
        {
          py::gil_scoped_release release;
          r = text::train_glove(files, o);
        }
        const auto v = static_cast<py::ssize_t>(r.vectors.size());
        const auto matrix = [&](const std::vector<float>& x, py::ssize_t cols) {
          py::array_t<float> a = cols ? py::array_t<float>({v, cols}) : py::array_t<float>(v);
          std::copy(x.begin(), x.end(), a.mutable_data());
          return a;
        };
        py::dict d;
        d["vectors"] = std::move(r.vectors);
        d["word"] = matrix(r.word, dim);
        d["context"] = matrix(r.context, dim);
        d["word_bias"] = matrix(r.word_bias, 0);
        d["context_bias"] = matrix(r.context_bias, 0);
        d["epoch_loss"] = r.epoch_loss;
        d["cooccurrences"] = r.cooccurrences;
        d["seconds"] = r.seconds;
        return d;
      },
      py::arg("files"), py::arg("dim") = 100, py::arg("window") = 10, py::arg("symmetric") = true,
      py::arg("min_count") = 5, py::arg("x_max") = 100.0, py::arg("alpha") = 0.75, py::arg("eta") = 0.05,
      py::arg("epochs") = 25, py::arg("seed") = 1, py::arg("shuffle") = true, py::arg("invalid_utf8") = "reject",
      "dict: vectors (KeyedVectors of word + context), word, context, word_bias, context_bias, epoch_loss");
}

}  // namespace embed::python
