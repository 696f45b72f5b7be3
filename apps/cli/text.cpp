// `embed text encode`: sentence vectors of stdin lines, from a model file
// (word vectors, SIF-weighted) or from a collection (its own encoder, with
// the common component it learnt from its documents).
#include <filesystem>
#include <iostream>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/core/tensor.h"
#include "embed/io/npy.h"
#include "embed/search/collection.h"
#include "embed/text/sentence/text_encoder.h"

namespace embed::cli {

int run_text_encode(const TextEncodeOptions& o) {
  std::unique_ptr<text::TextEncoder> encoder;
  if (std::filesystem::is_directory(o.model)) {
    encoder = text::load_text_encoder(search::Collection::open(o.model, false, false).manifest()["encoder"]);
  } else {
    encoder = text::text_encoder_for_model(o.model);
  }
  std::vector<std::string> texts;
  for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
  EMBED_CHECK(!texts.empty(), "no input lines on stdin");
  std::vector<std::int64_t> tokens;
  const std::vector<float> v = encoder->encode(texts, &tokens);
  const std::int64_t dim = encoder->dim();
  if (!o.output.empty()) {
    save_npy(o.output, Tensor::from_vector(v, {static_cast<std::int64_t>(texts.size()), dim}));
    std::fprintf(stderr, "wrote %s: %zu x %lld\n", o.output.c_str(), texts.size(), static_cast<long long>(dim));
    return 0;
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto row = v.begin() + static_cast<std::ptrdiff_t>(i) * dim;
    std::cout << nlohmann::json{{"embedding", std::vector<float>(row, row + dim)}, {"tokens", tokens[i]}}.dump()
              << '\n';
  }
  return 0;
}

}  // namespace embed::cli
