// A tokenizer = normalizer -> pre-tokenizer -> model, as in Hugging Face
// tokenizers: text in, ids with their tokens and byte offsets out.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "embed/text/tokenize/model.h"
#include "embed/text/tokenize/normalizer.h"
#include "embed/text/tokenize/post_processor.h"
#include "embed/text/tokenize/pre_tokenizer.h"

namespace embed::text {

// A token matched in the raw text before normalization (HF's added tokens
// with normalized=false, such as [CLS] or <|endoftext|>): it always encodes
// to its own id.
struct AddedToken {
  std::string content;
  std::int64_t id;
  bool special = true;
};

class Tokenizer {
 public:
  Tokenizer(std::shared_ptr<Normalizer> normalizer, std::shared_ptr<PreTokenizer> pre_tokenizer,
            std::shared_ptr<Model> model, InvalidUtf8 invalid_utf8 = InvalidUtf8::replace);
  // Normalize, split, encode; trim offsets if set; then (unless
  // add_special_tokens is false) truncate, apply the template, and pad to a
  // fixed length if one is set.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding encode_pair(std::string_view a, std::string_view b, bool add_special_tokens = true) const;
  // Texts encoded in parallel (deterministic: each text alone), then padded
  // to the longest when padding has no fixed length.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, bool add_special_tokens = true) const;
  // Ids -> text; special tokens of the template are left out when skip_special_tokens.
  std::string decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens = true) const;

  void set_template(TemplateProcessing t) { template_ = std::move(t); }
  void set_added_tokens(std::vector<AddedToken> tokens);
  void set_truncation(std::optional<Truncation> t) { truncation_ = t; }
  void set_padding(std::optional<Padding> p) { padding_ = std::move(p); }
  void set_offset_trimming(std::optional<OffsetTrimming> t) { offset_trimming_ = t; }
  const Model& model() const { return *model_; }
  const std::shared_ptr<Normalizer>& normalizer() const { return normalizer_; }
  const PreTokenizer& pre_tokenizer() const { return *pre_tokenizer_; }
  const TemplateProcessing& template_processing() const { return template_; }
  const std::optional<Truncation>& truncation() const { return truncation_; }
  const std::optional<Padding>& padding() const { return padding_; }
  const std::optional<OffsetTrimming>& offset_trimming() const { return offset_trimming_; }
  const std::vector<AddedToken>& added_tokens() const { return added_; }

 private:
  Encoding encode_sequence(std::string_view text, std::int64_t sequence) const;
  void encode_segment(std::string_view text, std::int64_t base, std::int64_t sequence, Encoding& enc) const;
  std::vector<AddedToken> added_;             // longest content first
  std::array<bool, 256> added_first_byte_{};  // bytes an added token can start with
  Encoding finish(Encoding a, Encoding* b, bool add_special_tokens) const;
  TemplateProcessing template_;
  std::optional<Truncation> truncation_;
  std::optional<Padding> padding_;
  std::optional<OffsetTrimming> offset_trimming_;
  std::shared_ptr<Normalizer> normalizer_;  // may be null
  std::shared_ptr<PreTokenizer> pre_tokenizer_;
  std::shared_ptr<Model> model_;
  InvalidUtf8 invalid_utf8_;
};

// BERT's tokenizer from its vocab.txt: BertNormalizer (lowercasing and
// accent stripping for uncased models), BertPreTokenizer, WordPiece, and the
// "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" template.
Tokenizer bert_tokenizer(const std::string& vocab_txt, bool lowercase = true);
// GPT-2's byte-level BPE from vocab.json and merges.txt.
Tokenizer gpt2_tokenizer(const std::string& vocab_json, const std::string& merges_txt, bool add_prefix_space = false);

}  // namespace embed::text
