#include "embed/text/sentence/word_vector_encoder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/text/tokenize/unicode.h"
#include "embed/text/tokenize/utf8.h"

namespace embed::text {

std::vector<std::string> letter_words(std::string_view text) {
  const std::u32string lower = python_lower(decode_utf8(text, InvalidUtf8::replace).chars);
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !is_letter(lower[i])) ++i;
    const std::size_t begin = i;
    while (i < lower.size() && is_letter(lower[i])) ++i;
    if (i > begin) words.push_back(encode_utf8(std::u32string_view(lower).substr(begin, i - begin)));
  }
  return words;
}

WordVectorEncoder::WordVectorEncoder(const std::string& model_path, SifOptions options)
    : model_path_(std::filesystem::absolute(model_path).lexically_normal().string()), options_(options) {
  EMBED_CHECK(options.a > 0 && std::isfinite(options.a), "SIF's a must be positive, got {}", options.a);
  if (is_fasttext_model(model_path_)) {
    subwords_ = SubwordVectors::load_fasttext(model_path_);
    vocabulary_ = subwords_->keyed_vectors();
    const auto& counts = subwords_->counts();
    double total = 0;
    for (std::int64_t c : counts) total += static_cast<double>(c);
    weight_.resize(counts.size());
    for (std::size_t w = 0; w < counts.size(); ++w)
      weight_[w] = static_cast<float>(options.a / (options.a + static_cast<double>(counts[w]) / total));
    unseen_weight_ = static_cast<float>(options.a / (options.a + 1.0 / std::max(total, 1.0)));
  } else {
    vocabulary_ = KeyedVectors::load_word2vec(model_path_, model_path_.ends_with(".bin"));
    weight_.assign(static_cast<std::size_t>(vocabulary_.size()), 1.0f);
  }
  EMBED_CHECK_AS(FormatError, vocabulary_.size() > 0 && vocabulary_.dim() > 0, "{}: no word vectors", model_path_);
}

std::unique_ptr<WordVectorEncoder> WordVectorEncoder::from_spec(const nlohmann::json& spec) {
  EMBED_CHECK_AS(FormatError, spec.is_object() && spec.value("type", "") == "word-vectors",
                 "not a word-vectors encoder spec");
  EMBED_CHECK_AS(FormatError, spec.contains("model") && spec["model"].is_string(),
                 "word-vectors encoder spec: \"model\" must be a path");
  SifOptions o;
  o.a = spec.value("sif_a", o.a);
  o.remove_component = spec.value("remove_component", o.remove_component);
  auto encoder = std::make_unique<WordVectorEncoder>(spec["model"].get<std::string>(), o);
  if (spec.contains("component") && !spec["component"].is_null()) {
    const auto& c = spec["component"];
    EMBED_CHECK_AS(FormatError, c.is_array() && static_cast<std::int64_t>(c.size()) == encoder->dim(),
                   "word-vectors encoder spec: \"component\" must hold {} numbers", encoder->dim());
    for (const auto& x : c) {
      EMBED_CHECK_AS(FormatError, x.is_number() && std::isfinite(x.get<double>()),
                     "word-vectors encoder spec: \"component\" holds a value that is not a finite number");
      encoder->component_.push_back(x.get<float>());
    }
  }
  return encoder;
}

nlohmann::json WordVectorEncoder::spec() const {
  nlohmann::json j = {{"type", "word-vectors"},
                      {"model", model_path_},
                      {"dim", dim()},
                      {"sif_a", options_.a},
                      {"remove_component", options_.remove_component}};
  j["component"] = component_.empty() ? nlohmann::json(nullptr) : nlohmann::json(component_);
  return j;
}

std::int64_t WordVectorEncoder::count_tokens(const std::string& text) const {
  return static_cast<std::int64_t>(letter_words(text).size());
}

std::string WordVectorEncoder::text_of_tokens(const std::vector<std::int64_t>& ids) const {
  std::string text;
  for (std::int64_t id : ids) {
    EMBED_CHECK(id >= 0 && id < vocabulary_.size(), "token id {} is outside the vocabulary (0..{})", id,
                vocabulary_.size() - 1);
    if (!text.empty()) text += ' ';
    text += vocabulary_.words()[static_cast<std::size_t>(id)];
  }
  return text;
}

bool WordVectorEncoder::weighted_mean(std::string_view text, float* out, std::int64_t& tokens) const {
  const std::int64_t d = dim();
  std::fill(out, out + d, 0.0f);
  const std::vector<std::string> words = letter_words(text);
  tokens = static_cast<std::int64_t>(words.size());
  std::int64_t used = 0;
  for (const std::string& word : words) {
    const std::int64_t i = vocabulary_.index(word);
    if (i >= 0) {
      const float w = weight_[static_cast<std::size_t>(i)];
      const float* v = vocabulary_.vector(i);
      for (std::int64_t k = 0; k < d; ++k) out[k] += w * v[k];
      ++used;
    } else if (subwords_) {
      const std::vector<float> v = subwords_->word_vector(word);
      for (std::int64_t k = 0; k < d; ++k) out[k] += unseen_weight_ * v[k];
      ++used;
    }
  }
  if (used == 0) return false;
  const float inv = 1.0f / static_cast<float>(words.size());
  for (std::int64_t k = 0; k < d; ++k) out[k] *= inv;
  return true;
}

std::vector<float> WordVectorEncoder::encode(const std::vector<std::string>& texts,
                                             std::vector<std::int64_t>* tokens) const {
  const std::int64_t n = static_cast<std::int64_t>(texts.size()), d = dim();
  std::vector<float> out(static_cast<std::size_t>(n * d));
  std::vector<std::int64_t> counts(static_cast<std::size_t>(n));
  const bool project = options_.remove_component && !component_.empty();
  parallel_for(n, 64 * d, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      float* v = out.data() + i * d;
      if (!weighted_mean(texts[static_cast<std::size_t>(i)], v, counts[static_cast<std::size_t>(i)]) || !project)
        continue;
      double dot = 0;
      for (std::int64_t k = 0; k < d; ++k) dot += static_cast<double>(v[k]) * component_[static_cast<std::size_t>(k)];
      for (std::int64_t k = 0; k < d; ++k) v[k] -= static_cast<float>(dot) * component_[static_cast<std::size_t>(k)];
    }
  });
  if (tokens) *tokens = std::move(counts);
  return out;
}

void WordVectorEncoder::fit(const std::vector<std::string>& documents) {
  component_.clear();
  if (!options_.remove_component || documents.empty()) return;
  const std::int64_t d = dim();
  const std::int64_t n = static_cast<std::int64_t>(documents.size());
  const std::int64_t step = std::max<std::int64_t>(1, (n + options_.fit_sample - 1) / options_.fit_sample);
  std::vector<std::string> sample;
  for (std::int64_t i = 0; i < n; i += step) sample.push_back(documents[static_cast<std::size_t>(i)]);
  const std::vector<float> x = encode(sample);  // no component yet: plain weighted means
  // u = the top eigenvector of X^T X (the first right singular vector of X),
  // by power iteration from the mean row, which lies close to it.
  std::vector<double> gram(static_cast<std::size_t>(d * d), 0.0), u(static_cast<std::size_t>(d), 0.0);
  for (std::size_t r = 0; r < sample.size(); ++r) {
    const float* v = x.data() + static_cast<std::int64_t>(r) * d;
    for (std::int64_t a = 0; a < d; ++a) {
      u[static_cast<std::size_t>(a)] += v[a];
      for (std::int64_t b = 0; b < d; ++b)
        gram[static_cast<std::size_t>(a * d + b)] += static_cast<double>(v[a]) * v[b];
    }
  }
  auto normalise = [&](std::vector<double>& y) {
    double s = 0;
    for (double t : y) s += t * t;
    if (s == 0) return false;
    for (double& t : y) t /= std::sqrt(s);
    return true;
  };
  if (!normalise(u)) return;  // every sampled document was empty
  std::vector<double> next(static_cast<std::size_t>(d));
  for (int it = 0; it < 500; ++it) {
    for (std::int64_t a = 0; a < d; ++a) {
      double s = 0;
      for (std::int64_t b = 0; b < d; ++b)
        s += gram[static_cast<std::size_t>(a * d + b)] * u[static_cast<std::size_t>(b)];
      next[static_cast<std::size_t>(a)] = s;
    }
    if (!normalise(next)) return;
    double change = 0;
    for (std::int64_t a = 0; a < d; ++a)
      change = std::max(change, std::abs(next[static_cast<std::size_t>(a)] - u[static_cast<std::size_t>(a)]));
    u.swap(next);
    if (change < 1e-9) break;
  }
  component_.assign(u.begin(), u.end());
}

}  // namespace embed::text
