// After the model: special tokens and segment ids (templates), truncation to
// a maximum length, padding, and the masks models take, following Hugging
// Face tokenizers' TemplateProcessing, TruncationParams and PaddingParams.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace embed::text {

struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<std::int64_t, std::int64_t>> offsets;  // bytes of the input; (0, 0) for added tokens
  std::vector<std::int64_t> type_ids;                          // segment: 0 for A, 1 for B
  std::vector<std::uint8_t> special_tokens_mask;               // 1 on added special tokens
  std::vector<std::uint8_t> attention_mask;                    // 0 on padding
  std::vector<std::int64_t> sequence_ids;                      // 0 / 1 for A / B tokens, -1 for special and padding

  std::size_t size() const { return ids.size(); }
  void push(std::int64_t id, std::string token, std::pair<std::int64_t, std::int64_t> offset, std::int64_t type_id,
            bool special, std::int64_t sequence);
  void truncate(std::size_t n);
};

// Hugging Face's byte-level offset trimming (post-processor ByteLevel, or
// RobertaProcessing, with trim_offsets): a token's offsets leave out its
// leading and trailing spaces ("Ġ", U+0120, in the byte-level alphabet),
// except one leading space on a sequence's first token when add_prefix_space
// put it there. Runs on each sequence before the template adds its tokens.
struct OffsetTrimming {
  bool add_prefix_space = true;
  void apply(Encoding& sequence) const;
};

// A template piece: a special token (with its id) or one of the sequences,
// each with the type id its tokens get.
struct TemplatePiece {
  enum class Kind { sequence_a, sequence_b, special } kind;
  std::string token;  // for special
  std::int64_t id = 0;
  std::int64_t type_id = 0;
};

// "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" as in HF's TemplateProcessing.
class TemplateProcessing {
 public:
  TemplateProcessing() = default;  // no special tokens (GPT-2)
  TemplateProcessing(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair)
      : single_(std::move(single)), pair_(std::move(pair)) {}
  Encoding apply(Encoding a, const Encoding* b) const;
  std::size_t added_tokens(bool pair) const;
  bool empty() const { return single_.empty() && pair_.empty(); }
  bool is_special(std::int64_t id) const;
  nlohmann::json to_json() const;  // null when there is no template

 private:
  std::vector<TemplatePiece> single_, pair_;
};

// BERT's "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" (HF's BertProcessing),
// or with roberta "<s> $A </s>" / "<s> $A </s></s> $B </s>", all of type 0.
TemplateProcessing cls_sep_template(const std::string& cls, std::int64_t cls_id, const std::string& sep,
                                    std::int64_t sep_id, bool roberta = false);

enum class TruncationStrategy { longest_first, only_first, only_second };
struct Truncation {
  std::size_t max_length = 512;  // total, special tokens included
  TruncationStrategy strategy = TruncationStrategy::longest_first;
};
// Shortens a (and b) so that they plus `added` special tokens fit max_length.
// longest_first keeps the shorter sequence whole if it leaves room and cuts the
// longer, else splits the budget in halves (HF's rule); tokens go from the end.
// only_first / only_second throw when that sequence cannot absorb the cut.
void truncate(Encoding& a, Encoding* b, std::size_t added, const Truncation& t);

enum class PaddingSide { right, left };
struct Padding {
  std::optional<std::size_t> length;  // fixed length; empty: pad a batch to its longest
  std::size_t multiple_of = 0;        // round the length up to a multiple (0: off)
  PaddingSide side = PaddingSide::right;
  std::int64_t pad_id = 0, pad_type_id = 0;
  std::string pad_token = "[PAD]";
};
void pad(Encoding& e, std::size_t length, const Padding& p);

}  // namespace embed::text
