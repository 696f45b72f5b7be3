// The server's counters, gauges and histograms, written in Prometheus's text
// exposition format (version 0.0.4) for GET /metrics. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace embed::server {

// A cumulative histogram with fixed upper bounds (plus +Inf).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // Lines "<name>_bucket{<labels>le="..."} n", _sum and _count.
  void write(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  std::uint64_t count_ = 0;
  mutable std::mutex mu_;
};

class Metrics {
 public:
  Metrics();
  // One finished request: its route ("/v1/embeddings", ..., or "other"),
  // status code and, for routed requests, the time the handler took.
  void request(const std::string& route, int status);
  void latency(const std::string& route, double seconds);
  // One encoder call: how many texts and how many requests it merged.
  void batch(std::int64_t texts, std::int64_t requests);
  void inputs(std::int64_t texts, std::int64_t tokens);
  std::atomic<std::int64_t> queue_depth{0};  // requests waiting for the encoder
  std::atomic<std::int64_t> in_flight{0};    // requests being handled

  std::string prometheus_text() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  Histogram batch_texts_, batch_requests_;
  std::atomic<std::uint64_t> inputs_{0}, tokens_{0};
};

}  // namespace embed::server
