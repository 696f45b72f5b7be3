// Nearest-neighbour search over dense vectors: one interface, several
// backends (exact today; approximate ones behind the same calls).
//
// Vectors carry external 64-bit ids. Scores follow FAISS's conventions so
// results compare one to one:
//   cosine         cosine similarity, higher is nearer (vectors are stored
//                  normalised; queries are normalised before searching);
//   inner_product  dot product, higher is nearer;
//   l2             squared Euclidean distance, lower is nearer.
// Results come best first; when fewer than k vectors exist the rest of the
// row holds id -1 and score NaN.
//
// Index files: a versioned header naming the backend, the payload, and a
// CRC-32 of everything before it; written atomically (temporary file +
// rename), so a crash leaves either the old or the new index, never a torn
// one. load_index() reads any backend's file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace embed::search {

enum class Metric { cosine, inner_product, l2 };

Metric parse_metric(std::string_view name);  // "cosine", "ip" / "inner_product", "l2"
std::string_view metric_name(Metric m);
// True when a higher score is nearer (cosine, inner product).
inline bool higher_is_better(Metric m) { return m != Metric::l2; }

struct SearchResults {
  std::int64_t queries = 0, k = 0;
  std::vector<std::int64_t> ids;  // queries x k, row-major
  std::vector<float> scores;      // queries x k
};

class Index {
 public:
  virtual ~Index() = default;
  virtual std::string_view kind() const = 0;  // "exact", ...
  virtual std::int64_t dim() const = 0;
  virtual Metric metric() const = 0;
  virtual std::int64_t size() const = 0;

  // Adds n vectors (n x dim, row-major) under the given ids (n of them;
  // nullptr: the next free ids, one more than the largest so far). An id
  // already present, NaN or infinity, or a zero vector under cosine is an
  // InvalidArgument and nothing is added.
  virtual void add(const float* vectors, std::int64_t n, const std::int64_t* ids = nullptr) = 0;
  // The k nearest stored vectors to each of nq queries (nq x dim).
  virtual SearchResults search(const float* queries, std::int64_t nq, std::int64_t k) const = 0;
  // Removes the vectors with these ids; returns how many were present.
  virtual std::int64_t remove(const std::int64_t* ids, std::int64_t n) = 0;
  virtual bool contains(std::int64_t id) const = 0;

  virtual void save(const std::string& path) const = 0;  // atomic
};

// Reads an index file written by any backend's save().
std::unique_ptr<Index> load_index(const std::string& path);
// The same from memory; `name` is used in FormatError messages.
std::unique_ptr<Index> parse_index(const unsigned char* data, std::size_t size, const std::string& name);

}  // namespace embed::search
