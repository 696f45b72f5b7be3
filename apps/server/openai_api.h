// The request and response bodies of OpenAI's embeddings API
// (https://platform.openai.com/docs/api-reference/embeddings) and of our
// /v1/search, as plain functions (no HTTP), so they are unit-tested.
//
// POST /v1/embeddings  {"input": "text" | ["text", ...] | [id, ...] | [[id, ...], ...],
//                       "model": "...", "encoding_format": "float" | "base64",
//                       "dimensions": n, "user": "..."}
//   -> {"object": "list", "data": [{"object": "embedding", "embedding": [...] | "base64",
//       "index": i}], "model": "...", "usage": {"prompt_tokens": n, "total_tokens": n}}
// Errors: {"error": {"message", "type", "param", "code"}} with a 4xx/5xx status.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embed/core/error.h"
#include "embed/text/sentence/text_encoder.h"

namespace embed::server {

// A request the API refuses: the HTTP status and OpenAI's error fields.
class ApiError : public Error {
 public:
  ApiError(int http_status, const std::string& message, std::string error_param = "", std::string error_code = "",
           std::string error_type = "invalid_request_error")
      : Error(message),
        status(http_status),
        param(std::move(error_param)),
        code(std::move(error_code)),
        type(std::move(error_type)) {}
  int status;
  std::string param, code, type;
};

// The error body; empty param/code become null.
nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& param,
                          const std::string& code);
// The error body for a status httplib answered by itself (404, 413, ...).
nlohmann::json error_body_for_status(int status);

struct Limits {
  std::int64_t max_inputs = 2048;            // inputs per request (OpenAI's limit)
  std::int64_t max_tokens_per_input = 8192;  // tokens per input (OpenAI's limit)
  std::int64_t max_k = 1000;                 // search results per query
};

struct EmbeddingsRequest {
  std::vector<std::string> texts;  // token-id inputs turned into text already
  std::string model;
  bool base64 = false;
  std::int64_t dimensions = 0;  // 0: all
};

// Parses and checks a body; throws ApiError (400 for anything malformed or
// over a limit, 404 for another model than `served_model`).
EmbeddingsRequest parse_embeddings_request(const std::string& body, const text::TextEncoder& encoder,
                                           const std::string& served_model, const Limits& limits);

// The response for n = request.texts.size() vectors (n x encoder dim):
// truncated to `dimensions` and renormalised when asked for.
nlohmann::json embeddings_response(const EmbeddingsRequest& request, const std::vector<float>& vectors,
                                   std::int64_t dim, std::int64_t prompt_tokens);

struct SearchRequest {
  std::vector<std::string> queries;
  std::int64_t k = 10;
  std::string mode = "dense";
  std::string sparse = "bm25";  // the sparse list of sparse and hybrid search: bm25 | tfidf
  bool explain = false;         // matched terms per hit
  double sparse_weight = 1;     // hybrid: the sparse list's weight in the fusion
};
SearchRequest parse_search_request(const std::string& body, const Limits& limits);

}  // namespace embed::server
