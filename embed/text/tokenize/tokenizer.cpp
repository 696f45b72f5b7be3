#include "embed/text/tokenize/tokenizer.h"

#include "embed/core/error.h"

namespace embed::text {

Tokenizer::Tokenizer(std::shared_ptr<Normalizer> normalizer, std::shared_ptr<PreTokenizer> pre_tokenizer,
                     std::shared_ptr<Model> model, InvalidUtf8 invalid_utf8)
    : normalizer_(std::move(normalizer)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      model_(std::move(model)),
      invalid_utf8_(invalid_utf8) {
  EMBED_CHECK(pre_tokenizer_ && model_, "a tokenizer needs a pre-tokenizer and a model");
}

Encoding Tokenizer::encode(std::string_view text) const {
  NormalizedText norm = NormalizedText::from_utf8(text, invalid_utf8_);
  if (normalizer_) normalizer_->apply(norm);
  pre_tokenizer_->prepare(norm);
  Encoding enc;
  std::vector<Token> tokens;
  for (const Piece& piece : pre_tokenizer_->split(norm)) {
    tokens.clear();
    model_->encode(norm.chars.substr(piece.start, piece.end - piece.start), tokens);
    for (const Token& t : tokens) {
      enc.ids.push_back(t.id);
      enc.tokens.push_back(model_->vocab().token(t.id));
      enc.offsets.emplace_back(norm.begin[piece.start + t.start], norm.end[piece.start + t.end - 1]);
    }
  }
  return enc;
}

Tokenizer bert_tokenizer(const std::string& vocab_txt, bool lowercase) {
  BertNormalizerOptions options;
  options.lowercase = lowercase;
  return Tokenizer(std::make_shared<BertNormalizer>(options), std::make_shared<BertPreTokenizer>(),
                   std::make_shared<WordPiece>(load_vocab_txt(vocab_txt)));
}

Tokenizer gpt2_tokenizer(const std::string& vocab_json, const std::string& merges_txt, bool add_prefix_space) {
  BpeOptions options;
  options.byte_level = true;
  return Tokenizer(nullptr, std::make_shared<ByteLevelPreTokenizer>(add_prefix_space),
                   std::make_shared<Bpe>(load_vocab_json(vocab_json), load_merges_txt(merges_txt), options));
}

}  // namespace embed::text
