#include "apps/server/openai_api.h"

#include <bit>
#include <cmath>

#include "embed/io/base64.h"
#include "embed/io/little_endian.h"

namespace embed::server {

namespace {

nlohmann::json parse_body(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw ApiError(400, "the request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "the request body must be a JSON object");
  return j;
}

bool is_token_list(const nlohmann::json& j) {
  return j.is_array() && !j.empty() &&
         std::all_of(j.begin(), j.end(), [](const auto& x) { return x.is_number_integer(); });
}

std::string text_of(const nlohmann::json& ids, const text::TextEncoder& encoder, std::size_t index) {
  std::vector<std::int64_t> v;
  for (const auto& x : ids) v.push_back(x.get<std::int64_t>());
  try {
    return encoder.text_of_tokens(v);
  } catch (const InvalidArgument& e) {
    throw ApiError(400, fmt::format("input[{}]: {}", index, e.what()), "input");
  }
}

}  // namespace

nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param,
                          const std::string& code) {
  return {{"error",
           {{"message", message},
            {"type", type},
            {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
            {"code", code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code)}}}};
}

nlohmann::json error_body_for_status(int status) {
  switch (status) {
    case 404: return error_body("no such route", "invalid_request_error", "", "not_found");
    case 405: return error_body("method not allowed on this route", "invalid_request_error", "", "");
    case 413: return error_body("the request body is too large", "invalid_request_error", "", "request_too_large");
    case 400: return error_body("bad request", "invalid_request_error", "", "");
    default:
      return error_body(fmt::format("HTTP {}", status), status >= 500 ? "server_error" : "invalid_request_error", "",
                        "");
  }
}

EmbeddingsRequest parse_embeddings_request(const std::string& body, const text::TextEncoder& encoder,
                                           const std::string& served_model, const Limits& limits) {
  const nlohmann::json j = parse_body(body);
  EmbeddingsRequest r;
  if (j.contains("model")) {
    if (!j["model"].is_string()) throw ApiError(400, "'model' must be a string", "model");
    r.model = j["model"].get<std::string>();
    if (r.model != served_model)
      throw ApiError(404, fmt::format("The model '{}' does not exist; this server serves '{}'", r.model, served_model),
                     "model", "model_not_found");
  } else {
    throw ApiError(400, "'model' is required", "model");
  }
  if (!j.contains("input")) throw ApiError(400, "'input' is required", "input");
  const nlohmann::json& input = j["input"];
  if (input.is_string()) {
    r.texts.push_back(input.get<std::string>());
  } else if (is_token_list(input)) {
    r.texts.push_back(text_of(input, encoder, 0));
  } else if (input.is_array() && !input.empty()) {
    if (static_cast<std::int64_t>(input.size()) > limits.max_inputs)
      throw ApiError(400, fmt::format("'input' has {} items; at most {} per request", input.size(), limits.max_inputs),
                     "input");
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (input[i].is_string()) {
        r.texts.push_back(input[i].get<std::string>());
      } else if (is_token_list(input[i])) {
        r.texts.push_back(text_of(input[i], encoder, i));
      } else {
        throw ApiError(400, fmt::format("input[{}] must be a string or an array of token ids", i), "input");
      }
    }
  } else {
    throw ApiError(400, "'input' must be a string, an array of strings, or token-id arrays (not empty)", "input");
  }
  for (std::size_t i = 0; i < r.texts.size(); ++i) {
    if (r.texts[i].empty()) throw ApiError(400, fmt::format("input[{}] is empty", i), "input");
    const std::int64_t tokens = encoder.count_tokens(r.texts[i]);
    if (tokens > limits.max_tokens_per_input)
      throw ApiError(
          400, fmt::format("input[{}] has {} tokens; at most {} per input", i, tokens, limits.max_tokens_per_input),
          "input");
  }
  if (j.contains("encoding_format")) {
    const auto& f = j["encoding_format"];
    if (f == "base64") {
      r.base64 = true;
    } else if (f != "float") {
      throw ApiError(400, "'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
    }
  }
  if (j.contains("dimensions") && !j["dimensions"].is_null()) {
    const auto& d = j["dimensions"];
    if (!d.is_number_integer() || d.get<std::int64_t>() < 1 || d.get<std::int64_t>() > encoder.dim())
      throw ApiError(400, fmt::format("'dimensions' must be an integer from 1 to {}", encoder.dim()), "dimensions");
    r.dimensions = d.get<std::int64_t>();
  }
  return r;
}

nlohmann::json embeddings_response(const EmbeddingsRequest& request, const std::vector<float>& vectors,
                                   std::int64_t dim, std::int64_t prompt_tokens) {
  const std::int64_t keep = request.dimensions > 0 ? request.dimensions : dim;
  nlohmann::json data = nlohmann::json::array();
  std::vector<float> row(static_cast<std::size_t>(keep));
  for (std::size_t i = 0; i < request.texts.size(); ++i) {
    const float* v = vectors.data() + static_cast<std::int64_t>(i) * dim;
    std::copy(v, v + keep, row.begin());
    if (request.dimensions > 0) {  // OpenAI's shortened embeddings stay unit length
      double s = 0;
      for (float x : row) s += static_cast<double>(x) * x;
      if (s > 0)
        for (float& x : row) x = static_cast<float>(x / std::sqrt(s));
    }
    nlohmann::json item = {{"object", "embedding"}, {"index", i}};
    if (request.base64) {
      std::string bytes;
      for (float x : row) append_le(bytes, std::bit_cast<std::uint32_t>(x), 4);
      item["embedding"] = base64_encode(bytes.data(), bytes.size());
    } else {
      item["embedding"] = row;
    }
    data.push_back(std::move(item));
  }
  return {{"object", "list"},
          {"data", std::move(data)},
          {"model", request.model},
          {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}};
}

SearchRequest parse_search_request(const std::string& body, const Limits& limits) {
  const nlohmann::json j = parse_body(body);
  SearchRequest r;
  if (!j.contains("query")) throw ApiError(400, "'query' is required", "query");
  const auto& q = j["query"];
  if (q.is_string()) {
    r.queries.push_back(q.get<std::string>());
  } else if (q.is_array() && !q.empty() && static_cast<std::int64_t>(q.size()) <= limits.max_inputs &&
             std::all_of(q.begin(), q.end(), [](const auto& x) { return x.is_string(); })) {
    for (const auto& x : q) r.queries.push_back(x.get<std::string>());
  } else {
    throw ApiError(400, fmt::format("'query' must be a string or 1 to {} strings", limits.max_inputs), "query");
  }
  if (j.contains("k")) {
    if (!j["k"].is_number_integer() || j["k"].get<std::int64_t>() < 1 || j["k"].get<std::int64_t>() > limits.max_k)
      throw ApiError(400, fmt::format("'k' must be an integer from 1 to {}", limits.max_k), "k");
    r.k = j["k"].get<std::int64_t>();
  }
  if (j.contains("mode")) {
    const auto& m = j["mode"];
    if (m != "dense" && m != "sparse" && m != "hybrid")
      throw ApiError(400, "'mode' must be \"dense\", \"sparse\" or \"hybrid\"", "mode");
    r.mode = m.get<std::string>();
  }
  if (j.contains("sparse")) {
    const auto& m = j["sparse"];
    if (m != "bm25" && m != "tfidf") throw ApiError(400, "'sparse' must be \"bm25\" or \"tfidf\"", "sparse");
    r.sparse = m.get<std::string>();
  }
  if (j.contains("sparse_weight")) {
    const auto& w = j["sparse_weight"];
    if (!w.is_number() || !std::isfinite(w.get<double>()) || w.get<double>() < 0 || w.get<double>() > 1e6)
      throw ApiError(400, "'sparse_weight' must be a number from 0 to 1e6", "sparse_weight");
    r.sparse_weight = w.get<double>();
  }
  if (j.contains("explain")) {
    if (!j["explain"].is_boolean()) throw ApiError(400, "'explain' must be true or false", "explain");
    r.explain = j["explain"].get<bool>();
  }
  return r;
}

}  // namespace embed::server
