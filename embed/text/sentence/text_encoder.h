// A text encoder turns texts into dense vectors of a fixed size. Search
// collections and the server hold one; its spec() (a JSON object) is what
// a collection saves so that queries are encoded later exactly as its
// documents were.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace embed::text {

class TextEncoder {
 public:
  virtual ~TextEncoder() = default;
  virtual std::int64_t dim() const = 0;
  // texts.size() x dim, row-major. A text with nothing to embed (no word
  // the encoder knows) gets a zero row; `tokens`, when given, receives how
  // many tokens each text had (for usage accounting).
  virtual std::vector<float> encode(const std::vector<std::string>& texts,
                                    std::vector<std::int64_t>* tokens = nullptr) const = 0;
  // How many tokens encode() would count in `text` (for request limits).
  virtual std::int64_t count_tokens(const std::string& text) const = 0;
  // The text whose tokens are these token ids (for clients that send ids,
  // as OpenAI's API allows); InvalidArgument for an id out of range.
  virtual std::string text_of_tokens(const std::vector<std::int64_t>& ids) const = 0;
  // Everything load_text_encoder() needs to rebuild this encoder.
  virtual nlohmann::json spec() const = 0;
  // Learns what the encoder derives from the documents it will index (for
  // example SIF's common component); nothing for encoders that need nothing.
  virtual void fit(const std::vector<std::string>& /*documents*/) {}
};

// The encoder a spec describes; FormatError for a spec that does not parse,
// Unsupported for an unknown "type".
std::unique_ptr<TextEncoder> load_text_encoder(const nlohmann::json& spec);

// A new encoder over a model file: a fastText .bin (subword vectors), or
// word2vec vectors (.bin binary, .vec / .txt text), as a SIF-weighted mean.
std::unique_ptr<TextEncoder> text_encoder_for_model(const std::string& model_path);

}  // namespace embed::text
