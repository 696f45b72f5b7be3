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

}  // namespace embed::text
