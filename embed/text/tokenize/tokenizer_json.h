// Hugging Face tokenizer.json: the normalizer, pre-tokenizer, model
// (WordPiece, BPE incl. byte-level, WordLevel), post-processor
// (TemplateProcessing, BertProcessing, ByteLevel), added tokens, truncation
// and padding. A component this library does not implement raises
// Unsupported naming it ("pre_tokenizer type 'Metaspace'"), never a silent
// approximation.
#pragma once

#include <string>

#include "embed/text/tokenize/tokenizer.h"

namespace embed::text {

Tokenizer load_tokenizer_json(const std::string& path);
Tokenizer parse_tokenizer_json(const std::string& json_text, const std::string& source = "tokenizer.json");
// The tokenizer as a tokenizer.json that Hugging Face tokenizers and
// load_tokenizer_json read back (written atomically).
std::string tokenizer_to_json(const Tokenizer& tokenizer);
void save_tokenizer_json(const Tokenizer& tokenizer, const std::string& path);

}  // namespace embed::text
