#include "apps/server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace embed::server {

namespace {
const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kSizeBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048};
}  // namespace

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  const std::size_t b = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  std::lock_guard lock(mu_);
  ++counts_[b];
  sum_ += v;
  ++count_;
}

void Histogram::write(std::string& out, const std::string& name, const std::string& labels) const {
  std::lock_guard lock(mu_);
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < bounds_.size(); ++b) {
    cumulative += counts_[b];
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, bounds_[b], cumulative);
  }
  cumulative += counts_.back();
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, sum_, name, braces, count_);
}

Metrics::Metrics() : batch_texts_(kSizeBounds), batch_requests_(kSizeBounds) {}

void Metrics::request(const std::string& route, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
}

void Metrics::latency(const std::string& route, double seconds) {
  Histogram* h = nullptr;
  {
    std::lock_guard lock(mu_);
    h = &latency_.try_emplace(route, kLatencyBounds).first->second;  // map nodes do not move
  }
  h->observe(seconds);
}

void Metrics::batch(std::int64_t texts, std::int64_t requests) {
  batch_texts_.observe(static_cast<double>(texts));
  batch_requests_.observe(static_cast<double>(requests));
}

void Metrics::inputs(std::int64_t texts, std::int64_t tokens) {
  inputs_ += static_cast<std::uint64_t>(texts);
  tokens_ += static_cast<std::uint64_t>(tokens);
}

std::string Metrics::prometheus_text() const {
  std::string out;
  out += "# HELP embed_requests_total HTTP requests answered, by route and status code.\n";
  out += "# TYPE embed_requests_total counter\n";
  std::vector<std::pair<std::string, Histogram*>> latencies;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, n] : requests_)
      out += fmt::format("embed_requests_total{{route=\"{}\",code=\"{}\"}} {}\n", key.first, key.second, n);
    for (const auto& [route, h] : latency_) latencies.emplace_back(route, const_cast<Histogram*>(&h));
  }
  out += "# HELP embed_request_duration_seconds Time to handle a request, by route.\n";
  out += "# TYPE embed_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latencies)
    h->write(out, "embed_request_duration_seconds", fmt::format("route=\"{}\"", route));
  out += "# HELP embed_batch_size Texts per encoder call (requests from many clients are encoded together).\n";
  out += "# TYPE embed_batch_size histogram\n";
  batch_texts_.write(out, "embed_batch_size", "");
  out += "# HELP embed_batch_requests Requests merged into one encoder call.\n";
  out += "# TYPE embed_batch_requests histogram\n";
  batch_requests_.write(out, "embed_batch_requests", "");
  out += "# HELP embed_queue_depth Requests waiting for the encoder.\n# TYPE embed_queue_depth gauge\n";
  out += fmt::format("embed_queue_depth {}\n", queue_depth.load());
  out += "# HELP embed_in_flight_requests Requests being handled.\n# TYPE embed_in_flight_requests gauge\n";
  out += fmt::format("embed_in_flight_requests {}\n", in_flight.load());
  out += "# HELP embed_inputs_total Texts embedded.\n# TYPE embed_inputs_total counter\n";
  out += fmt::format("embed_inputs_total {}\n", inputs_.load());
  out += "# HELP embed_tokens_total Tokens in the texts embedded.\n# TYPE embed_tokens_total counter\n";
  out += fmt::format("embed_tokens_total {}\n", tokens_.load());
  return out;
}

}  // namespace embed::server
