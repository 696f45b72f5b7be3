// `embed serve`: the HTTP server (cpp-httplib). Serves a collection
// (embeddings with its encoder, and search) or a model file (embeddings
// only):
//   POST /v1/embeddings   OpenAI-compatible (openai_api.h)
//   POST /v1/search       {"query", "k", "mode"} over the collection
//   GET  /v1/models       the one model served, in OpenAI's list shape
//   GET  /health          {"status": "ok"}
//   GET  /metrics         Prometheus text (metrics.h)
// Binds 127.0.0.1 unless told otherwise; with an API key every /v1/ route
// wants "Authorization: Bearer <key>". SIGINT/SIGTERM stop accepting,
// let the requests in flight finish, and exit 0.
#pragma once

#include <cstdint>
#include <string>

#include "apps/server/batcher.h"
#include "apps/server/openai_api.h"

namespace embed::server {

struct ServerOptions {
  std::string source;      // a collection directory or a word-vector model file
  std::string model_name;  // empty: the source's file or directory name
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed)
  std::string api_key;
  std::int64_t max_body_bytes = 8 << 20;
  int http_threads = 96;  // connections served at once (keep-alive holds one each)
  Limits limits;
  BatcherOptions batching;
};

// Runs until SIGINT/SIGTERM; prints "listening on http://host:port" to stdout
// once ready (tests wait for that line). Returns the exit code.
int serve(const ServerOptions& options);

}  // namespace embed::server
