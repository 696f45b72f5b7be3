#include "apps/server/batcher.h"

namespace embed::server {

EncodeBatcher::EncodeBatcher(const text::TextEncoder& encoder, Metrics& metrics, BatcherOptions options)
    : encoder_(encoder), metrics_(metrics), options_(options), worker_([this] { loop(); }) {}

EncodeBatcher::~EncodeBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

EncodeBatcher::Result EncodeBatcher::encode(std::vector<std::string> texts) {
  Job job{std::move(texts), {}};
  std::future<Result> result = job.done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw Overloaded("the server is shutting down");
    if (static_cast<std::int64_t>(queue_.size()) >= options_.max_queue)
      throw Overloaded(fmt::format("the server is overloaded ({} requests waiting); retry later", queue_.size()));
    queue_.push_back(&job);
    metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
  }
  cv_.notify_all();
  return result.get();  // the worker always fulfils the promise, with a value or an exception
}

void EncodeBatcher::loop() {
  for (;;) {
    std::vector<Job*> jobs;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      // Give other clients a moment to join this batch.
      const auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
      auto waiting_texts = [&] {
        std::int64_t n = 0;
        for (const Job* j : queue_) n += static_cast<std::int64_t>(j->texts.size());
        return n;
      };
      while (!stopping_ && waiting_texts() < options_.max_batch &&
             cv_.wait_until(lock, deadline) != std::cv_status::timeout) {
      }
      std::int64_t texts = 0;
      while (!queue_.empty() &&
             (jobs.empty() || texts + static_cast<std::int64_t>(queue_.front()->texts.size()) <= options_.max_batch)) {
        texts += static_cast<std::int64_t>(queue_.front()->texts.size());
        jobs.push_back(queue_.front());
        queue_.pop_front();
      }
      metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
    }
    std::vector<std::string> all;
    for (Job* j : jobs) all.insert(all.end(), j->texts.begin(), j->texts.end());
    try {
      std::vector<std::int64_t> tokens;
      const std::vector<float> v = encoder_.encode(all, &tokens);
      metrics_.batch(static_cast<std::int64_t>(all.size()), static_cast<std::int64_t>(jobs.size()));
      const std::size_t dim = static_cast<std::size_t>(encoder_.dim());
      std::vector<Result> results(jobs.size());
      std::size_t at = 0;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const std::size_t n = jobs[i]->texts.size();
        results[i].vectors.assign(v.begin() + static_cast<std::ptrdiff_t>(at * dim),
                                  v.begin() + static_cast<std::ptrdiff_t>((at + n) * dim));
        results[i].tokens.assign(tokens.begin() + static_cast<std::ptrdiff_t>(at),
                                 tokens.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
      }
      for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i]->done.set_value(std::move(results[i]));
    } catch (...) {
      for (Job* j : jobs) j->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace embed::server
