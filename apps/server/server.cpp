#include "apps/server/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "embed/core/progress.h"
#include "embed/search/collection.h"

namespace embed::server {

namespace {

using Clock = std::chrono::steady_clock;

const char* kJson = "application/json";

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

std::string route_of(const std::string& path) {
  for (const char* r : {"/v1/embeddings", "/v1/search", "/v1/models", "/health", "/metrics"})
    if (path == r) return r;
  return "other";
}

std::string default_name(const std::string& source) {
  const std::filesystem::path p = std::filesystem::absolute(source).lexically_normal();
  const std::string name = (p.has_filename() ? p : p.parent_path()).stem().string();
  return name.empty() ? "embed" : name;
}

// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed
// when Debian compiled the library): a burst of new connections beyond it
// can be reset by the kernel before the accept loop takes them. Linux lets
// listen() be called again on a listening socket to change the backlog, so
// find ours (the listening TCP socket on `port`) and raise it.
void widen_listen_backlog(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    const int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                      : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                                   : -1;
    if (bound == port) ::listen(fd, SOMAXCONN);
  }
}

}  // namespace

int serve(const ServerOptions& o) {
  std::optional<search::Collection> collection;
  std::unique_ptr<text::TextEncoder> own_encoder;
  if (std::filesystem::is_directory(o.source)) {
    collection.emplace(search::Collection::open(o.source, /*writable=*/false, /*progress=*/false));
  } else {
    own_encoder = text::text_encoder_for_model(o.source);
  }
  const text::TextEncoder& encoder = collection ? collection->encoder() : *own_encoder;
  const std::string model = o.model_name.empty() ? default_name(o.source) : o.model_name;

  Metrics metrics;
  EncodeBatcher batcher(encoder, metrics, o.batching);
  httplib::Server http;
  const int threads = o.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(static_cast<size_t>(o.max_body_bytes));
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(60);  // an idle client keeps its connection a minute, not 5 s
  http.set_read_timeout(30, 0);
  http.set_write_timeout(30, 0);

  // Every answer is counted; errors httplib makes itself get OpenAI's shape.
  http.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
    metrics.request(route_of(req.path), res.status);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_json(res, res.status, error_body_for_status(res.status));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_json(res, 500, error_body("internal error", "server_error", "", ""));
  });

  // Wraps a handler: API key, timing, and errors as OpenAI's error bodies.
  auto api = [&](auto handler, bool needs_key) {
    return [&, handler, needs_key](const httplib::Request& req, httplib::Response& res) {
      const auto start = Clock::now();
      ++metrics.in_flight;
      try {
        if (needs_key && !o.api_key.empty() && req.get_header_value("Authorization") != "Bearer " + o.api_key)
          throw ApiError(401, "Incorrect API key provided", "", "invalid_api_key");
        handler(req, res);
      } catch (const ApiError& e) {
        send_json(res, e.status, error_body(e.what(), e.type, e.param, e.code));
      } catch (const Overloaded& e) {
        send_json(res, 503, error_body(e.what(), "server_error", "", "overloaded"));
      } catch (const InvalidArgument& e) {
        send_json(res, 400, error_body(e.what(), "invalid_request_error", "", ""));
      } catch (const std::exception& e) {
        send_json(res, 500, error_body(e.what(), "server_error", "", ""));
      }
      --metrics.in_flight;
      metrics.latency(route_of(req.path), std::chrono::duration<double>(Clock::now() - start).count());
    };
  };

  http.Post("/v1/embeddings", api(
                                  [&](const httplib::Request& req, httplib::Response& res) {
                                    EmbeddingsRequest r = parse_embeddings_request(req.body, encoder, model, o.limits);
                                    const EncodeBatcher::Result out = batcher.encode(r.texts);
                                    std::int64_t tokens = 0;
                                    for (std::int64_t t : out.tokens) tokens += t;
                                    metrics.inputs(static_cast<std::int64_t>(r.texts.size()), tokens);
                                    send_json(res, 200, embeddings_response(r, out.vectors, encoder.dim(), tokens));
                                  },
                                  true));
  http.Post("/v1/search",
            api(
                [&](const httplib::Request& req, httplib::Response& res) {
                  if (!collection)
                    throw ApiError(404, "this server serves a model, not a collection: no search", "", "not_found");
                  const SearchRequest r = parse_search_request(req.body, o.limits);
                  const auto results =
                      collection->search(r.queries, r.k,
                                         search::QueryOptions{.mode = search::parse_search_mode(r.mode),
                                                              .sparse = search::parse_sparse_scorer(r.sparse),
                                                              .explain = r.explain,
                                                              .sparse_weight = r.sparse_weight});
                  nlohmann::json data = nlohmann::json::array();
                  for (std::size_t q = 0; q < results.size(); ++q) {
                    data.push_back({{"object", "search_result"},
                                    {"index", q},
                                    {"query", r.queries[q]},
                                    {"hits", search::hits_json(results[q])}});
                  }
                  send_json(
                      res, 200,
                      {{"object", "list"}, {"model", model}, {"mode", r.mode}, {"sparse", r.sparse}, {"data", data}});
                },
                true));
  http.Get(
      "/v1/models",
      api(
          [&](const httplib::Request&, httplib::Response& res) {
            send_json(
                res, 200,
                {{"object", "list"},
                 {"data",
                  {{{"id", model}, {"object", "model"}, {"owned_by", "embed.cpp"}, {"dimensions", encoder.dim()}}}}});
          },
          true));
  http.Get("/health", api(
                          [&](const httplib::Request&, httplib::Response& res) {
                            send_json(res, 200, {{"status", "ok"}, {"model", model}});
                          },
                          false));
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.prometheus_text(), "text/plain; version=0.0.4");
  });

  int port = o.port;
  if (port == 0) {
    port = http.bind_to_any_port(o.host);
    if (port < 0) throw IoError(fmt::format("cannot bind {}", o.host));
  } else if (!http.bind_to_port(o.host, port)) {
    throw IoError(fmt::format("cannot bind {}:{} (in use, or not an address of this machine)", o.host, port));
  }
  widen_listen_backlog(port);
  // The first SIGINT/SIGTERM asks for a stop: stop() closes the listening
  // socket, and listen_after_bind() returns once the requests in flight
  // have been answered (httplib's pool finishes its queue).
  install_interrupt_handler();
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!interrupted()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    while (!done) {  // stop() before listening has begun would be lost: repeat it
      http.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::printf("listening on http://%s:%d (model '%s', dim %lld%s)\n", o.host.c_str(), port, model.c_str(),
              static_cast<long long>(encoder.dim()), collection ? ", with search" : "");
  std::fflush(stdout);
  const bool ok = http.listen_after_bind();
  done = true;
  if (!interrupted()) request_interrupt();  // listen ended by itself: let the watcher end
  watcher.join();
  std::fprintf(stderr, "embed serve: stopped; requests in flight were answered\n");
  return ok ? 0 : 1;
}

}  // namespace embed::server
