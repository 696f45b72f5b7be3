// Requests from many clients encoded together: each request thread hands
// its texts to encode() and blocks; one worker thread takes every waiting
// request (up to max_batch texts, waiting at most max_wait for more once
// the first arrives), encodes them in one call of the encoder (which uses
// all threads), and hands each request its rows. The queue is bounded:
// beyond max_queue waiting requests encode() throws Overloaded (HTTP 503)
// instead of letting memory grow.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "apps/server/metrics.h"
#include "embed/core/error.h"
#include "embed/text/sentence/text_encoder.h"

namespace embed::server {

class Overloaded : public Error {
 public:
  using Error::Error;
};

struct BatcherOptions {
  std::int64_t max_batch = 256;  // texts per encoder call (one request may exceed it alone)
  std::chrono::microseconds max_wait{2000};
  std::int64_t max_queue = 1024;  // waiting requests
};

class EncodeBatcher {
 public:
  struct Result {
    std::vector<float> vectors;  // texts x dim
    std::vector<std::int64_t> tokens;
  };
  EncodeBatcher(const text::TextEncoder& encoder, Metrics& metrics, BatcherOptions options);
  ~EncodeBatcher();  // finishes what is queued, then stops the worker
  EncodeBatcher(const EncodeBatcher&) = delete;
  EncodeBatcher& operator=(const EncodeBatcher&) = delete;

  Result encode(std::vector<std::string> texts);

 private:
  struct Job {
    std::vector<std::string> texts;
    std::promise<Result> done;
  };
  void loop();

  const text::TextEncoder& encoder_;
  Metrics& metrics_;
  BatcherOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace embed::server
