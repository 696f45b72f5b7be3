#include "embed/text/tokenize/tokenizer.h"

#include "embed/core/error.h"
#include "embed/core/parallel.h"

#include <algorithm>

namespace embed::text {

Tokenizer::Tokenizer(std::shared_ptr<Normalizer> normalizer, std::shared_ptr<PreTokenizer> pre_tokenizer,
                     std::shared_ptr<Model> model, InvalidUtf8 invalid_utf8)
    : normalizer_(std::move(normalizer)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      model_(std::move(model)),
      invalid_utf8_(invalid_utf8) {
  EMBED_CHECK(pre_tokenizer_ && model_, "a tokenizer needs a pre-tokenizer and a model");
}

void Tokenizer::set_added_tokens(std::vector<AddedToken> tokens) {
  for (const AddedToken& t : tokens) EMBED_CHECK(!t.content.empty(), "an added token cannot be empty");
  std::stable_sort(tokens.begin(), tokens.end(),
                   [](const AddedToken& a, const AddedToken& b) { return a.content.size() > b.content.size(); });
  added_ = std::move(tokens);
  added_first_byte_.fill(false);
  for (const AddedToken& t : added_) added_first_byte_[static_cast<unsigned char>(t.content[0])] = true;
}

// Normalize, split and encode one stretch of text without added tokens;
// offsets are shifted by `base`, its position in the whole input.
void Tokenizer::encode_segment(std::string_view text, std::int64_t base, std::int64_t sequence, Encoding& enc) const {
  NormalizedText norm = NormalizedText::from_utf8(text, invalid_utf8_);
  if (normalizer_) normalizer_->apply(norm);
  pre_tokenizer_->prepare(norm, base == 0);
  std::vector<Token> tokens;
  for (const Piece& piece : pre_tokenizer_->split(norm)) {
    tokens.clear();
    model_->encode(std::u32string_view(norm.chars).substr(piece.start, piece.end - piece.start), tokens);
    for (const Token& t : tokens)
      enc.push(t.id, model_->vocab().token(t.id),
               {base + norm.begin[piece.start + t.start], base + norm.end[piece.start + t.end - 1]}, sequence, false,
               sequence);
  }
}

Encoding Tokenizer::encode_sequence(std::string_view text, std::int64_t sequence) const {
  Encoding enc;
  // Added tokens split the raw text first: leftmost match, longest content.
  std::size_t from = 0;
  for (std::size_t at = 0; at < text.size();) {
    const AddedToken* hit = nullptr;
    if (added_first_byte_[static_cast<unsigned char>(text[at])])
      for (const AddedToken& t : added_)
        if (text.compare(at, t.content.size(), t.content) == 0) {
          hit = &t;
          break;
        }
    if (!hit) {
      ++at;
      continue;
    }
    if (at > from) encode_segment(text.substr(from, at - from), static_cast<std::int64_t>(from), sequence, enc);
    enc.push(hit->id, hit->content,
             {static_cast<std::int64_t>(at), static_cast<std::int64_t>(at + hit->content.size())}, sequence,
             hit->special, sequence);
    at += hit->content.size();
    from = at;
  }
  if (from < text.size() || text.empty())
    encode_segment(text.substr(from), static_cast<std::int64_t>(from), sequence, enc);
  return enc;
}

Encoding Tokenizer::finish(Encoding a, Encoding* b, bool add_special_tokens) const {
  if (offset_trimming_) {
    offset_trimming_->apply(a);
    if (b) offset_trimming_->apply(*b);
  }
  if (truncation_) truncate(a, b, add_special_tokens ? template_.added_tokens(b != nullptr) : 0, *truncation_);
  Encoding out = add_special_tokens ? template_.apply(std::move(a), b) : TemplateProcessing().apply(std::move(a), b);
  if (padding_ && padding_->length) pad(out, *padding_->length, *padding_);
  return out;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return finish(encode_sequence(text, 0), nullptr, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, bool add_special_tokens) const {
  Encoding second = encode_sequence(b, 1);
  return finish(encode_sequence(a, 0), &second, add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts, bool add_special_tokens) const {
  std::vector<Encoding> out(texts.size());
  std::vector<std::string> errors(texts.size());
  parallel_for(static_cast<std::int64_t>(texts.size()), 4096, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      try {  // parallel_for bodies must not throw: carry the message out
        out[i] = encode(texts[i], add_special_tokens);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
  });
  for (std::size_t i = 0; i < errors.size(); ++i)
    EMBED_CHECK(errors[i].empty(), "text {} of the batch: {}", i, errors[i]);
  if (padding_ && !padding_->length) {
    std::size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    for (Encoding& e : out) pad(e, longest, *padding_);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::int64_t> kept;
  if (skip_special_tokens)
    for (const std::int64_t id : ids)
      if (!template_.is_special(id) && !(padding_ && id == padding_->pad_id) &&
          std::none_of(added_.begin(), added_.end(), [id](const AddedToken& t) { return t.special && t.id == id; }))
        kept.push_back(id);
  std::string text = model_->decode(skip_special_tokens ? kept : ids);
  pre_tokenizer_->restore(text);
  return text;
}

Tokenizer bert_tokenizer(const std::string& vocab_txt, bool lowercase) {
  BertNormalizerOptions options;
  options.lowercase = lowercase;
  auto model = std::make_shared<WordPiece>(load_vocab_txt(vocab_txt));
  const auto id = [&](const char* token) {
    const auto found = model->vocab().find(token);
    EMBED_CHECK(found.has_value(), "{}: BERT's special token {} is missing", vocab_txt, token);
    return *found;
  };
  Tokenizer tok(std::make_shared<BertNormalizer>(options), std::make_shared<BertPreTokenizer>(), model);
  tok.set_template(cls_sep_template("[CLS]", id("[CLS]"), "[SEP]", id("[SEP]")));
  return tok;
}

Tokenizer gpt2_tokenizer(const std::string& vocab_json, const std::string& merges_txt, bool add_prefix_space) {
  BpeOptions options;
  options.byte_level = true;
  return Tokenizer(nullptr, std::make_shared<ByteLevelPreTokenizer>(add_prefix_space),
                   std::make_shared<Bpe>(load_vocab_json(vocab_json), load_merges_txt(merges_txt), options));
}

}  // namespace embed::text
