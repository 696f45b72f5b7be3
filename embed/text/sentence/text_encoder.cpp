#include "embed/text/sentence/text_encoder.h"

#include <filesystem>

#include "embed/core/error.h"
#include "embed/text/sentence/word_vector_encoder.h"

namespace embed::text {

std::unique_ptr<TextEncoder> load_text_encoder(const nlohmann::json& spec) {
  EMBED_CHECK_AS(FormatError, spec.is_object() && spec.contains("type") && spec["type"].is_string(),
                 "a text encoder spec must be a JSON object with a \"type\"");
  const std::string type = spec["type"].get<std::string>();
  if (type == "word-vectors") return WordVectorEncoder::from_spec(spec);
  throw Unsupported(fmt::format("text encoder type '{}' (this build has: word-vectors)", type));
}

std::unique_ptr<TextEncoder> text_encoder_for_model(const std::string& model_path) {
  if (std::filesystem::is_directory(model_path))
    throw Unsupported(fmt::format(
        "{} is a folder: transformer checkpoints (config.json + weights) are not supported by this build yet; "
        "give word vectors (fastText .bin, word2vec .bin/.vec)",
        model_path));
  return std::make_unique<WordVectorEncoder>(model_path, SifOptions{});
}

}  // namespace embed::text
