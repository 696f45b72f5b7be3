// The server's pieces without HTTP (so CI runs them under ASan/UBSan):
// OpenAI request parsing and responses, base64 (RFC 4648's test vectors),
// the Prometheus text, and the batcher merging concurrent requests. The
// HTTP server itself, with OpenAI's Node client and a load test, is
// tests/oracle/test_server.py.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <thread>

#include "apps/server/batcher.h"
#include "apps/server/metrics.h"
#include "apps/server/openai_api.h"
#include "embed/io/base64.h"

namespace {

using namespace embed::server;

// Three-dimensional "encoder": a text's vector is (length, words, 1); token
// id i is the word "w<i>" for i < 10.
class FakeEncoder : public embed::text::TextEncoder {
 public:
  std::int64_t dim() const override { return 3; }
  std::vector<float> encode(const std::vector<std::string>& texts, std::vector<std::int64_t>* tokens) const override {
    ++calls;
    std::vector<float> v;
    std::vector<std::int64_t> t;
    for (const auto& s : texts) {
      v.insert(v.end(), {static_cast<float>(s.size()), static_cast<float>(count_tokens(s)), 1.0f});
      t.push_back(count_tokens(s));
    }
    if (tokens) *tokens = t;
    return v;
  }
  std::int64_t count_tokens(const std::string& s) const override {
    return static_cast<std::int64_t>(std::count(s.begin(), s.end(), ' ') + 1);
  }
  std::string text_of_tokens(const std::vector<std::int64_t>& ids) const override {
    std::string s;
    for (auto id : ids) {
      EMBED_CHECK(id >= 0 && id < 10, "token id {} is outside the vocabulary", id);
      s += (s.empty() ? "w" : " w") + std::to_string(id);
    }
    return s;
  }
  nlohmann::json spec() const override { return {{"type", "fake"}}; }
  mutable std::atomic<int> calls{0};
};

int status_of(const std::string& body, const Limits& limits = {}) {
  FakeEncoder enc;
  try {
    parse_embeddings_request(body, enc, "m", limits);
    return 200;
  } catch (const ApiError& e) {
    return e.status;
  }
}

TEST(OpenAiApi, ParsesEveryInputShape) {
  FakeEncoder enc;
  auto r = parse_embeddings_request(R"({"model": "m", "input": "a b"})", enc, "m", {});
  EXPECT_EQ(r.texts, std::vector<std::string>{"a b"});
  EXPECT_FALSE(r.base64);
  r = parse_embeddings_request(R"({"model": "m", "input": ["x", "y z"], "encoding_format": "base64"})", enc, "m", {});
  EXPECT_EQ(r.texts, (std::vector<std::string>{"x", "y z"}));
  EXPECT_TRUE(r.base64);
  r = parse_embeddings_request(R"({"model": "m", "input": [1, 2]})", enc, "m", {});
  EXPECT_EQ(r.texts, std::vector<std::string>{"w1 w2"});
  r = parse_embeddings_request(R"({"model": "m", "input": [[3], [4, 5]], "dimensions": 2})", enc, "m", {});
  EXPECT_EQ(r.texts, (std::vector<std::string>{"w3", "w4 w5"}));
  EXPECT_EQ(r.dimensions, 2);
}

TEST(OpenAiApi, RefusesWhatOpenAiRefuses) {
  EXPECT_EQ(status_of("not json"), 400);
  EXPECT_EQ(status_of("[1]"), 400);
  EXPECT_EQ(status_of(R"({"input": "a"})"), 400);                     // no model
  EXPECT_EQ(status_of(R"({"model": "other", "input": "a"})"), 404);   // another model
  EXPECT_EQ(status_of(R"({"model": "m"})"), 400);                     // no input
  EXPECT_EQ(status_of(R"({"model": "m", "input": ""})"), 400);        // empty text
  EXPECT_EQ(status_of(R"({"model": "m", "input": []})"), 400);        // no inputs
  EXPECT_EQ(status_of(R"({"model": "m", "input": [1, "a"]})"), 400);  // mixed
  EXPECT_EQ(status_of(R"({"model": "m", "input": [[99]]})"), 400);    // id out of range
  EXPECT_EQ(status_of(R"({"model": "m", "input": {"a": 1}})"), 400);  // not an input
  EXPECT_EQ(status_of(R"({"model": "m", "input": "a", "encoding_format": "int8"})"), 400);
  EXPECT_EQ(status_of(R"({"model": "m", "input": "a", "dimensions": 4})"), 400);  // more than dim
  EXPECT_EQ(status_of(R"({"model": "m", "input": "a", "dimensions": 0})"), 400);
  Limits small;
  small.max_inputs = 2;
  small.max_tokens_per_input = 3;
  EXPECT_EQ(status_of(R"({"model": "m", "input": ["a", "b", "c"]})", small), 400);
  EXPECT_EQ(status_of(R"({"model": "m", "input": "a b c d"})", small), 400);
  EXPECT_EQ(status_of(R"({"model": "m", "input": ["a", "b c d"]})", small), 200);
  const auto body = error_body("no", "invalid_request_error", "", "x");
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_EQ(body["error"]["code"], "x");
  EXPECT_EQ(error_body_for_status(413)["error"]["code"], "request_too_large");
}

TEST(OpenAiApi, ResponsesTruncateRenormaliseAndEncode) {
  EmbeddingsRequest r;
  r.model = "m";
  r.texts = {"a", "b"};
  const std::vector<float> v = {3, 4, 12, 0, 0, 5};
  auto j = embeddings_response(r, v, 3, 7);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 7);
  EXPECT_EQ(j["data"][1]["index"], 1);
  EXPECT_EQ(j["data"][0]["embedding"], (std::vector<float>{3, 4, 12}));  // as encoded
  r.dimensions = 2;
  j = embeddings_response(r, v, 3, 7);
  EXPECT_EQ(j["data"][0]["embedding"], (std::vector<float>{0.6f, 0.8f}));  // unit length again
  EXPECT_EQ(j["data"][1]["embedding"], (std::vector<float>{0.0f, 0.0f}));  // zero stays zero
  r.dimensions = 0;
  r.base64 = true;
  j = embeddings_response(r, v, 3, 7);
  const std::string bytes = embed::base64_decode(j["data"][0]["embedding"].get<std::string>());
  ASSERT_EQ(bytes.size(), 12u);
  float f[3];
  std::memcpy(f, bytes.data(), 12);  // little-endian host
  EXPECT_EQ(f[2], 12.0f);
}

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : cases) {
    EXPECT_EQ(embed::base64_encode(plain, std::strlen(plain)), coded);
    EXPECT_EQ(embed::base64_decode(coded), plain);
  }
  EXPECT_THROW(embed::base64_decode("Zm9"), embed::FormatError);
  EXPECT_THROW(embed::base64_decode("Zm=v"), embed::FormatError);
  EXPECT_THROW(embed::base64_decode("Zm9v!A=="), embed::FormatError);
}

TEST(Metrics, PrometheusText) {
  Metrics m;
  m.request("/v1/embeddings", 200);
  m.request("/v1/embeddings", 200);
  m.request("other", 404);
  m.latency("/v1/embeddings", 0.003);
  m.batch(5, 3);
  const std::string t = m.prometheus_text();
  EXPECT_NE(t.find("embed_requests_total{route=\"/v1/embeddings\",code=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("embed_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(t.find("embed_request_duration_seconds_bucket{route=\"/v1/embeddings\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("embed_batch_requests_bucket{le=\"4\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("embed_batch_requests_bucket{le=\"2\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("embed_batch_size_count 1\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE embed_queue_depth gauge\n"), std::string::npos);
}

TEST(EncodeBatcher, MergesConcurrentRequestsAndKeepsEachOnesRows) {
  FakeEncoder enc;
  Metrics m;
  BatcherOptions o;
  o.max_wait = std::chrono::milliseconds(50);
  o.max_batch = 1000;
  std::vector<EncodeBatcher::Result> results(16);
  {
    EncodeBatcher b(enc, m, o);
    std::vector<std::thread> clients;
    for (int i = 0; i < 16; ++i)
      clients.emplace_back([&, i] {
        results[static_cast<std::size_t>(i)] = b.encode({std::string(static_cast<std::size_t>(i + 1), 'x'), "a b"});
      });
    for (auto& t : clients) t.join();
  }
  for (int i = 0; i < 16; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_EQ(r.vectors.size(), 6u);
    EXPECT_EQ(r.vectors[0], static_cast<float>(i + 1));
    EXPECT_EQ(r.vectors[3], 3.0f);
    EXPECT_EQ(r.tokens, (std::vector<std::int64_t>{1, 2}));
  }
  EXPECT_LT(enc.calls.load(), 16);  // some requests shared an encoder call
  EXPECT_EQ(m.queue_depth.load(), 0);
}

TEST(EncodeBatcher, BoundedQueueAndErrorsReachTheCaller) {
  class Slow : public FakeEncoder {
    std::vector<float> encode(const std::vector<std::string>& t, std::vector<std::int64_t>* k) const override {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return FakeEncoder::encode(t, k);
    }
  } slow;
  Metrics m;
  BatcherOptions o;
  o.max_queue = 1;
  o.max_wait = std::chrono::microseconds(0);
  {
    EncodeBatcher b(slow, m, o);
    std::thread first([&] { b.encode({"a"}); });  // taken by the worker at once
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::thread second([&] { b.encode({"b"}); });  // waits in the queue
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_THROW(b.encode({"c"}), Overloaded);  // the queue is full
    first.join();
    second.join();
  }
  class Failing : public FakeEncoder {
    std::vector<float> encode(const std::vector<std::string>&, std::vector<std::int64_t>*) const override {
      throw embed::InvalidArgument("bad text");
    }
  } failing;
  EncodeBatcher fb(failing, m, o);
  EXPECT_THROW(fb.encode({"a"}), embed::InvalidArgument);
}

}  // namespace
