#include "embed/search/hnsw_index.h"

#include <hnswlib/hnswlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/atomic_file.h"
#include "embed/io/little_endian.h"
#include "embed/search/checked_vectors.h"
#include "embed/search/index_file.h"
#include "embed/search/top_k.h"

namespace embed::search {

namespace {

// hnswlib's saveIndex layout (0.6): a header of PODs, then per element the
// base-level record [link count u16, flags u8 (bit 0: deleted), u8,
// 2M neighbour ids u32, the vector, the label (size_t)], then per element
// u32 bytes of upper-level links and those links ([count u16, u16, M ids]
// per level).
struct GraphHeader {
  std::uint64_t offset_level0, max_elements, count, bytes_per_element, label_offset, data_offset;
  std::int32_t max_level;
  std::uint32_t entry_point;
  std::uint64_t max_m, max_m0, m;
  double mult;
  std::uint64_t ef_construction;
};
constexpr std::size_t kGraphHeaderBytes = 6 * 8 + 4 + 4 + 3 * 8 + 8 + 8;

template <typename T>
T read_pod(const char*& p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  p += sizeof(T);
  return v;
}

// Checks everything hnswlib's loadIndex trusts. Fills `present` with the
// labels of elements not marked deleted and returns the largest label + 1.
std::int64_t validate_graph(std::string_view g, std::int64_t dim, const std::string& name,
                            std::unordered_set<std::int64_t>& present) {
  const auto fail = [&](const std::string& what) { throw FormatError(name + ": HNSW graph: " + what); };
  if (g.size() < kGraphHeaderBytes) fail("truncated header");
  const char* p = g.data();
  GraphHeader h{};
  h.offset_level0 = read_pod<std::uint64_t>(p);
  h.max_elements = read_pod<std::uint64_t>(p);
  h.count = read_pod<std::uint64_t>(p);
  h.bytes_per_element = read_pod<std::uint64_t>(p);
  h.label_offset = read_pod<std::uint64_t>(p);
  h.data_offset = read_pod<std::uint64_t>(p);
  h.max_level = read_pod<std::int32_t>(p);
  h.entry_point = read_pod<std::uint32_t>(p);
  h.max_m = read_pod<std::uint64_t>(p);
  h.max_m0 = read_pod<std::uint64_t>(p);
  h.m = read_pod<std::uint64_t>(p);
  h.mult = read_pod<double>(p);
  h.ef_construction = read_pod<std::uint64_t>(p);
  if (h.m < 2 || h.m > 10000 || h.max_m != h.m || h.max_m0 != 2 * h.m) fail("bad M");
  if (!(std::isfinite(h.mult) && h.mult > 0)) fail("bad level multiplier");
  const std::uint64_t links0 = h.max_m0 * 4 + 4, vector_bytes = static_cast<std::uint64_t>(dim) * 4;
  if (h.offset_level0 != 0 || h.data_offset != links0 || h.label_offset != links0 + vector_bytes ||
      h.bytes_per_element != links0 + vector_bytes + 8)
    fail("record layout does not match the dimension");
  // Our capacity grows by doubling from 1024, so it stays under 2 x count + 1024.
  if (h.count > h.max_elements || h.max_elements > 2 * h.count + 1024 ||
      h.count >= std::numeric_limits<std::uint32_t>::max())
    fail("bad element count or capacity");
  if (h.count > (g.size() - kGraphHeaderBytes) / h.bytes_per_element) fail("truncated element records");
  if (h.count == 0 ? (h.max_level != -1) : (h.max_level < 0 || h.max_level > 64 || h.entry_point >= h.count))
    fail("bad entry point or top level");
  const char* records = p;
  std::int64_t next_label = 0;
  std::unordered_set<std::int64_t> labels;
  for (std::uint64_t i = 0; i < h.count; ++i) {
    const char* r = records + i * h.bytes_per_element;
    const auto links =
        static_cast<std::uint16_t>(static_cast<unsigned char>(r[0]) | (static_cast<unsigned char>(r[1]) << 8));
    const auto flags = static_cast<unsigned char>(r[2]);
    if (links > h.max_m0 || flags > 1 || r[3] != 0) fail("bad base-level link count or flags");
    for (std::uint16_t j = 0; j < links; ++j) {
      std::uint32_t id;
      std::memcpy(&id, r + 4 + 4 * j, 4);
      if (id >= h.count) fail("neighbour id out of range");
    }
    for (std::int64_t k = 0; k < dim; ++k) {
      float x;
      std::memcpy(&x, r + links0 + 4 * k, 4);
      if (!std::isfinite(x)) fail("a stored vector has a NaN or infinity");
    }
    std::uint64_t label;
    std::memcpy(&label, r + h.label_offset, 8);
    if (label >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        !labels.insert(static_cast<std::int64_t>(label)).second)
      fail("bad or repeated label");
    next_label = std::max(next_label, static_cast<std::int64_t>(label) + 1);
    if (flags == 0) present.insert(static_cast<std::int64_t>(label));
  }
  p = records + h.count * h.bytes_per_element;
  const std::uint64_t links_per_level = h.max_m * 4 + 4;
  // First every element's level and link block, then the links: a
  // neighbour listed on level l must itself reach level l (search walks
  // its list there).
  std::vector<std::uint32_t> levels(h.count);
  std::vector<const char*> blocks(h.count);
  for (std::uint64_t i = 0; i < h.count; ++i) {
    if (static_cast<std::size_t>(g.data() + g.size() - p) < 4) fail("truncated upper-level links");
    const auto bytes = read_pod<std::uint32_t>(p);
    if (bytes % links_per_level != 0 || bytes / links_per_level > static_cast<std::uint64_t>(h.max_level) ||
        static_cast<std::size_t>(g.data() + g.size() - p) < bytes)
      fail("bad upper-level link block");
    levels[i] = static_cast<std::uint32_t>(bytes / links_per_level);
    blocks[i] = p;
    p += bytes;
  }
  for (std::uint64_t i = 0; i < h.count; ++i) {
    for (std::uint32_t level = 1; level <= levels[i]; ++level) {
      const char* l = blocks[i] + (level - 1) * links_per_level;
      const auto links =
          static_cast<std::uint16_t>(static_cast<unsigned char>(l[0]) | (static_cast<unsigned char>(l[1]) << 8));
      if (links > h.max_m) fail("bad upper-level link count");
      for (std::uint16_t j = 0; j < links; ++j) {
        std::uint32_t id;
        std::memcpy(&id, l + 4 + 4 * j, 4);
        if (id >= h.count) fail("neighbour id out of range");
        if (levels[id] < level) fail("a neighbour on a level above its own");
      }
    }
  }
  if (h.count > 0 && levels[h.entry_point] != static_cast<std::uint32_t>(h.max_level))
    fail("the entry point is not on the top level");
  if (p != g.data() + g.size()) fail("bytes left over");
  return next_label;
}

// hnswlib saves and loads through a file name; ours goes through a private
// temporary file next to the system's others, removed on every path.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "embed-hnsw-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw IoError("cannot create a temporary file for the HNSW graph");
    close(fd);
    path_ = pattern;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

HnswIndex::HnswIndex(std::int64_t dim, Metric metric, HnswOptions options)
    : dim_(dim), metric_(metric), options_(options) {
  EMBED_CHECK(dim >= 1 && dim <= (1 << 16), "dimension must be in [1, 65536], got {}", dim);
  EMBED_CHECK(options.m >= 2 && options.m <= 1000, "M must be in [2, 1000], got {}", options.m);
  EMBED_CHECK(options.ef_construction >= 1 && options.ef_search >= 1, "ef values must be >= 1");
  const auto d = static_cast<std::size_t>(dim);
  if (metric == Metric::l2)
    space_ = std::make_unique<hnswlib::L2Space>(d);
  else
    space_ = std::make_unique<hnswlib::InnerProductSpace>(d);
}

HnswIndex::~HnswIndex() = default;

void HnswIndex::set_ef_search(std::int64_t ef) {
  EMBED_CHECK(ef >= 1, "ef_search must be >= 1, got {}", ef);
  options_.ef_search = ef;
  if (graph_) graph_->setEf(static_cast<std::size_t>(ef));
}

void HnswIndex::add(const float* vectors, std::int64_t n, const std::int64_t* ids) {
  EMBED_CHECK(n >= 0, "cannot add {} vectors", n);
  if (n == 0) return;
  const std::vector<float> rows = checked_copy(vectors, n, dim_, metric_, "vector");
  // A removed id may come back: hnswlib then revives its slot with the new vector.
  const std::vector<std::int64_t> new_ids =
      checked_ids(ids, n, next_id_, [this](std::int64_t id) { return contains(id); });
  const std::size_t needed = (graph_ ? graph_->cur_element_count : 0) + static_cast<std::size_t>(n);
  if (!graph_) {
    capacity_ = std::max<std::size_t>(needed, 1024);
    graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        space_.get(), capacity_, static_cast<std::size_t>(options_.m),
        static_cast<std::size_t>(options_.ef_construction), static_cast<std::size_t>(options_.seed));
    graph_->setEf(static_cast<std::size_t>(options_.ef_search));
  } else if (needed > capacity_) {
    capacity_ = std::max(needed, capacity_ * 2);
    graph_->resizeIndex(capacity_);
  }
  const int threads = static_cast<int>(std::clamp<std::int64_t>(n / 256, 1, num_threads()));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) if (threads > 1)
  for (std::int64_t i = 0; i < n; ++i)
    graph_->addPoint(rows.data() + i * dim_, static_cast<hnswlib::labeltype>(new_ids[static_cast<std::size_t>(i)]));
  for (std::int64_t id : new_ids) {
    present_.insert(id);
    next_id_ = std::max(next_id_, id + 1);
  }
}

SearchResults HnswIndex::search(const float* queries, std::int64_t nq, std::int64_t k) const {
  EMBED_CHECK(k >= 1, "k must be >= 1, got {}", k);
  EMBED_CHECK(nq >= 0, "cannot search {} queries", nq);
  const std::vector<float> q = checked_copy(queries, nq, dim_, metric_, "query");
  SearchResults r = empty_results(nq, k);
  if (!graph_ || present_.empty()) return r;
  // hnswlib searches with max(ef, k) candidates.
  const bool l2 = metric_ == Metric::l2;
  const int threads = static_cast<int>(std::clamp<std::int64_t>(nq / 8, 1, num_threads()));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 8) if (threads > 1)
  for (std::int64_t i = 0; i < nq; ++i) {
    auto found = graph_->searchKnn(q.data() + i * dim_, static_cast<std::size_t>(k));
    TopK top(k);
    for (; !found.empty(); found.pop()) {
      // hnswlib's distances: 1 - q.x for inner product, ||q - x||^2 for l2.
      const float d = found.top().first;
      top.push({l2 ? -d : 1.0f - d, static_cast<std::int64_t>(found.top().second)});
    }
    write_row(r, i, top, metric_);
  }
  return r;
}

std::int64_t HnswIndex::remove(const std::int64_t* ids, std::int64_t n) {
  std::int64_t removed = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!present_.erase(ids[i])) continue;
    graph_->markDelete(static_cast<hnswlib::labeltype>(ids[i]));  // kept in the graph as a waypoint
    ++removed;
  }
  return removed;
}

void HnswIndex::save(const std::string& path) const {
  // Payload: M, ef_construction, ef_search, seed, next id (u64 each), then
  // hnswlib's graph bytes (empty for an index never added to).
  std::string payload;
  for (std::int64_t v :
       {options_.m, options_.ef_construction, options_.ef_search, static_cast<std::int64_t>(options_.seed), next_id_})
    append_le(payload, static_cast<std::uint64_t>(v), 8);
  if (graph_) {
    TempFile tmp;
    graph_->saveIndex(tmp.path());
    payload += read_file(tmp.path());
  }
  write_index_file(path, IndexHeader{"hnsw", metric_, dim_}, payload);
}

std::unique_ptr<HnswIndex> HnswIndex::from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                   const std::string& name) {
  PayloadReader in(payload, name);
  HnswOptions o;
  o.m = static_cast<std::int64_t>(in.u64("M"));
  o.ef_construction = static_cast<std::int64_t>(in.u64("ef_construction"));
  o.ef_search = static_cast<std::int64_t>(in.u64("ef_search"));
  o.seed = in.u64("seed");
  const std::uint64_t next = in.u64("the next id");
  EMBED_CHECK_AS(FormatError,
                 o.m >= 2 && o.m <= 1000 && o.ef_construction >= 1 && o.ef_search >= 1 &&
                     next <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                 "{}: bad HNSW settings", name);
  auto index = std::make_unique<HnswIndex>(dim, metric, o);
  const std::string_view graph = in.rest();
  if (!graph.empty()) {
    index->next_id_ = validate_graph(graph, dim, name, index->present_);
    TempFile tmp;
    write_file_atomic(tmp.path(), [&](int fd) { write_all(fd, graph.data(), graph.size(), tmp.path()); });
    index->graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space_.get(), tmp.path());
    index->graph_->setEf(static_cast<std::size_t>(o.ef_search));
    index->capacity_ = index->graph_->max_elements_;
  }
  index->next_id_ = std::max(index->next_id_, static_cast<std::int64_t>(next));
  return index;
}

}  // namespace embed::search
