// `embed inspect FILE`: shapes, dtypes and value ranges of .npy / .safetensors;
// backend, metric, dimension and size of an index file (.idx).
#include <cstdio>
#include <filesystem>

#include "apps/cli/commands.h"
#include "embed/core/ops/reduce.h"
#include "embed/io/npy.h"
#include "embed/io/safetensors.h"
#include "embed/search/collection.h"
#include "embed/search/index.h"

namespace embed::cli {

namespace {
void describe_tensor(const std::string& name, const Tensor& t) {
  std::string range;
  if (t.numel() > 0) {
    const Tensor f = t.to(DType::f32);
    range = fmt::format("  min {:.6g}  max {:.6g}  mean {:.6g}", min(f).item(), max(f).item(), mean(f).item());
  }
  std::printf("%-40s %-20s%s\n", name.c_str(), describe(t).c_str(), range.c_str());
}
}  // namespace

int run_inspect(const std::string& path) {
  if (std::filesystem::is_directory(path)) {
    const search::Collection c = search::Collection::open(path, false, false);
    std::printf("%s: collection of %lld documents, generation %lld\n", path.c_str(), static_cast<long long>(c.size()),
                static_cast<long long>(c.generation()));
    std::printf("  index: %s, metric %s, %lld vectors of dimension %lld\n", std::string(c.index().kind()).c_str(),
                std::string(search::metric_name(c.index().metric())).c_str(), static_cast<long long>(c.index().size()),
                static_cast<long long>(c.index().dim()));
    std::printf("  sparse rows: %s\n",
                c.has_sparse() ? "term counts (BM25 and TF-IDF for sparse and hybrid search)" : "none");
    std::printf("  encoder: %s\n", c.manifest()["encoder"].value("type", "?").c_str());
    return 0;
  }
  if (path.ends_with(".npy")) {
    describe_tensor(path, load_npy(path));
    return 0;
  }
  if (path.ends_with(".safetensors")) {
    const SafeTensors st = load_safetensors(path);
    for (const auto& [k, v] : st.metadata) std::printf("metadata %s = %s\n", k.c_str(), v.c_str());
    for (const auto& [name, t] : st.tensors) describe_tensor(name, t);
    return 0;
  }
  if (path.ends_with(".idx")) {
    const auto index = search::load_index(path);  // checks the checksum and, for HNSW, the whole graph
    std::printf("%s: %s index, metric %s, %lld vectors of dimension %lld\n", path.c_str(),
                std::string(index->kind()).c_str(), std::string(search::metric_name(index->metric())).c_str(),
                static_cast<long long>(index->size()), static_cast<long long>(index->dim()));
    return 0;
  }
  throw Unsupported(
      fmt::format("'{}': inspect reads .npy, .safetensors and .idx files and collection directories", path));
}

}  // namespace embed::cli
