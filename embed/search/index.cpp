#include "embed/search/index.h"

#include "embed/core/error.h"
#include "embed/core/storage.h"
#include "embed/search/exact_index.h"
#include "embed/search/hnsw_index.h"
#include "embed/search/index_file.h"
#include "embed/search/ivfpq_index.h"

namespace embed::search {

Metric parse_metric(std::string_view name) {
  if (name == "cosine") return Metric::cosine;
  if (name == "ip" || name == "inner_product") return Metric::inner_product;
  if (name == "l2") return Metric::l2;
  throw InvalidArgument(fmt::format("unknown metric '{}' (cosine, ip, l2)", name));
}

std::string_view metric_name(Metric m) {
  switch (m) {
    case Metric::cosine: return "cosine";
    case Metric::inner_product: return "ip";
    case Metric::l2: return "l2";
  }
  return "?";
}

std::unique_ptr<Index> load_index(const std::string& path) {
  const auto file = MappedFile::open(path);
  return parse_index(file->data(), file->size(), path);
}

std::unique_ptr<Index> parse_index(const unsigned char* data, std::size_t size, const std::string& name) {
  std::string_view payload;
  const IndexHeader h = read_index_file(data, size, name, payload);
  if (h.kind == "exact") return ExactIndex::from_payload(h.dim, h.metric, payload, name);
  if (h.kind == "hnsw") return HnswIndex::from_payload(h.dim, h.metric, payload, name);
  if (h.kind == "ivfpq") return IvfPqIndex::from_payload(h.dim, h.metric, payload, name);
  throw Unsupported(fmt::format("{}: index kind '{}' is not known to this build", name, h.kind));
}

}  // namespace embed::search
