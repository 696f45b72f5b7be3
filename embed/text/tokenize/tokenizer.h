// A tokenizer = normalizer -> pre-tokenizer -> model, as in Hugging Face
// tokenizers: text in, ids with their tokens and byte offsets out.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embed/text/tokenize/model.h"
#include "embed/text/tokenize/normalizer.h"
#include "embed/text/tokenize/pre_tokenizer.h"

namespace embed::text {

struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<std::int64_t, std::int64_t>> offsets;  // [begin, end) bytes of the input
};

class Tokenizer {
 public:
  Tokenizer(std::shared_ptr<Normalizer> normalizer, std::shared_ptr<PreTokenizer> pre_tokenizer,
            std::shared_ptr<Model> model, InvalidUtf8 invalid_utf8 = InvalidUtf8::replace);
  Encoding encode(std::string_view text) const;
  std::string decode(const std::vector<std::int64_t>& ids) const { return model_->decode(ids); }
  const Model& model() const { return *model_; }

 private:
  std::shared_ptr<Normalizer> normalizer_;  // may be null
  std::shared_ptr<PreTokenizer> pre_tokenizer_;
  std::shared_ptr<Model> model_;
  InvalidUtf8 invalid_utf8_;
};

// BERT's tokenizer from its vocab.txt: BertNormalizer (lowercasing and
// accent stripping for uncased models), BertPreTokenizer, WordPiece.
Tokenizer bert_tokenizer(const std::string& vocab_txt, bool lowercase = true);
// GPT-2's byte-level BPE from vocab.json and merges.txt.
Tokenizer gpt2_tokenizer(const std::string& vocab_json, const std::string& merges_txt, bool add_prefix_space = false);

}  // namespace embed::text
