// embedcpp: tokenizers (encode/decode, training).
#include <pybind11/stl.h>

#include "embed/core/error.h"
#include "embed/text/tokenize/bpe_trainer.h"
#include "embed/text/tokenize/tokenizer.h"
#include "embed/text/tokenize/tokenizer_json.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace embed::python {

namespace {

// (vocabulary tokens in id order, merges in learned order)
py::tuple tokens_and_merges(const text::BpeTrainerResult& r) {
  std::vector<std::string> tokens;
  for (std::int64_t i = 0; i < r.vocab.size(); ++i) tokens.push_back(r.vocab.token(i));
  return py::make_tuple(tokens, r.merges);
}

}  // namespace

void bind_text(py::module_& m) {
  py::class_<text::Tokenizer>(m, "Tokenizer")
      .def(
          "encode",
          [](const text::Tokenizer& t, const std::string& s, bool add_special_tokens) {
            const auto e = t.encode(s, add_special_tokens);
            return py::make_tuple(e.ids, e.tokens, e.offsets);
          },
          py::arg("text"), py::arg("add_special_tokens") = true, "(ids, tokens, offsets) of a UTF-8 string")
      .def(
          "encode_pair",
          [](const text::Tokenizer& t, const std::string& a, const std::string& b) {
            const auto e = t.encode_pair(a, b);
            return py::make_tuple(e.ids, e.type_ids, e.attention_mask);
          },
          "(ids, type_ids, attention_mask) of a pair")
      .def("decode", &text::Tokenizer::decode, py::arg("ids"), py::arg("skip_special_tokens") = true);
  m.def("bert_tokenizer", &text::bert_tokenizer, py::arg("vocab_txt"), py::arg("lowercase") = true);
  m.def("gpt2_tokenizer", &text::gpt2_tokenizer, py::arg("vocab_json"), py::arg("merges_txt"),
        py::arg("add_prefix_space") = false);
  m.def("load_tokenizer_json", &text::load_tokenizer_json);
  m.def("parse_tokenizer_json", &text::parse_tokenizer_json, py::arg("json_text"),
        py::arg("source") = "tokenizer.json");
  m.def("tokenizer_to_json", &text::tokenizer_to_json);
  m.def("save_tokenizer_json", &text::save_tokenizer_json);
  m.def("count_words", &text::count_words);
  m.def(
      "train_bpe",
      [](const std::vector<std::pair<std::string, std::int64_t>>& words, std::int64_t vocab_size,
         std::int64_t min_frequency, const std::string& suffix, const std::vector<std::string>& special_tokens,
         bool byte_level) {
        text::BpeTrainerOptions o;
        o.vocab_size = vocab_size;
        o.min_frequency = min_frequency;
        o.end_of_word_suffix = suffix;
        o.special_tokens = special_tokens;
        o.byte_level = byte_level;
        return tokens_and_merges(text::train_bpe(words, o));
      },
      py::arg("words"), py::arg("vocab_size"), py::arg("min_frequency") = 2, py::arg("suffix") = "</w>",
      py::arg("special_tokens") = std::vector<std::string>{}, py::arg("byte_level") = false);
  m.def(
      "train_characters",
      [](const std::vector<std::pair<std::string, std::int64_t>>& words, std::int64_t vocab_size,
         std::int64_t min_frequency, const std::vector<std::string>& special_tokens) {
        const text::Vocab v = text::train_characters(words, vocab_size, min_frequency, special_tokens);
        std::vector<std::string> tokens;
        for (std::int64_t i = 0; i < v.size(); ++i) tokens.push_back(v.token(i));
        return tokens;
      },
      py::arg("words"), py::arg("vocab_size"), py::arg("min_frequency") = 1,
      py::arg("special_tokens") = std::vector<std::string>{});
  m.def(
      "train_wordpiece",
      [](const std::vector<std::pair<std::string, std::int64_t>>& words, std::int64_t vocab_size,
         std::int64_t min_frequency, const std::string& criterion, const std::vector<std::string>& special_tokens) {
        text::WordPieceTrainerOptions o;
        o.vocab_size = vocab_size;
        o.min_frequency = min_frequency;
        o.special_tokens = special_tokens;
        o.criterion = text::parse_wordpiece_criterion(criterion);
        return tokens_and_merges(text::train_wordpiece(words, o));
      },
      py::arg("words"), py::arg("vocab_size"), py::arg("min_frequency") = 2, py::arg("criterion") = "likelihood",
      py::arg("special_tokens") = std::vector<std::string>{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"});
}

}  // namespace embed::python
