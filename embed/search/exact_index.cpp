#include "embed/search/exact_index.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "embed/core/blas.h"
#include "embed/core/error.h"
#include "embed/core/parallel.h"
#include "embed/io/little_endian.h"
#include "embed/search/checked_vectors.h"
#include "embed/search/index_file.h"
#include "embed/search/top_k.h"

namespace embed::search {

namespace {

constexpr std::int64_t kQueryBlock = 256;      // queries per GEMM
constexpr std::int64_t kRowBlock = 1024;       // stored rows per GEMM (a 256 x 1024 score tile: 1 MiB)
constexpr std::int64_t kRowsPerThread = 4096;  // fewer rows than this per thread: fewer threads

}  // namespace

ExactIndex::ExactIndex(std::int64_t dim, Metric metric) : dim_(dim), metric_(metric) {
  EMBED_CHECK(dim >= 1 && dim <= (1 << 20), "dimension must be in [1, 2^20], got {}", dim);
}

void ExactIndex::add(const float* vectors, std::int64_t n, const std::int64_t* ids) {
  EMBED_CHECK(n >= 0, "cannot add {} vectors", n);
  if (n == 0) return;
  add_rows(checked_copy(vectors, n, dim_, metric_, "vector"), n, ids);
}

void ExactIndex::add_rows(const std::vector<float>& rows, std::int64_t n, const std::int64_t* ids) {
  const std::vector<std::int64_t> new_ids =
      checked_ids(ids, n, next_id_, [this](std::int64_t id) { return contains(id); });
  row_of_.reserve(row_of_.size() + static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t id = new_ids[static_cast<std::size_t>(i)];
    row_of_[id] = size();
    ids_.push_back(id);
    norms_.push_back(squared_norm(rows.data() + i * dim_, dim_));
    next_id_ = std::max(next_id_, id + 1);
  }
  vectors_.insert(vectors_.end(), rows.begin(), rows.end());
}

SearchResults ExactIndex::search(const float* queries, std::int64_t nq, std::int64_t k) const {
  EMBED_CHECK(k >= 1, "k must be >= 1, got {}", k);
  EMBED_CHECK(nq >= 0, "cannot search {} queries", nq);
  const std::vector<float> q = checked_copy(queries, nq, dim_, metric_, "query");
  std::vector<float> q_norms(static_cast<std::size_t>(nq));
  for (std::int64_t i = 0; i < nq; ++i) q_norms[static_cast<std::size_t>(i)] = squared_norm(q.data() + i * dim_, dim_);
  const std::int64_t n = size();
  const int threads = static_cast<int>(std::clamp<std::int64_t>(n / kRowsPerThread, 1, std::max(1, num_threads())));
  std::vector<std::vector<TopK>> best(static_cast<std::size_t>(threads),
                                      std::vector<TopK>(static_cast<std::size_t>(nq), TopK(k)));
  const bool l2 = metric_ == Metric::l2;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const int t = omp_get_thread_num();
    const std::int64_t row_begin = n * t / threads, row_end = n * (t + 1) / threads;
    std::vector<float> tile(static_cast<std::size_t>(kQueryBlock * kRowBlock));
    auto& mine = best[static_cast<std::size_t>(t)];
    for (std::int64_t qb = 0; qb < nq; qb += kQueryBlock) {
      const std::int64_t qm = std::min(kQueryBlock, nq - qb);
      for (std::int64_t rb = row_begin; rb < row_end; rb += kRowBlock) {
        const std::int64_t rm = std::min(kRowBlock, row_end - rb);
        gemm(false, true, qm, rm, dim_, 1.0f, q.data() + qb * dim_, dim_, vectors_.data() + rb * dim_, dim_, 0.0f,
             tile.data(), rm);
        for (std::int64_t i = 0; i < qm; ++i) {
          TopK& top = mine[static_cast<std::size_t>(qb + i)];
          const float* s = tile.data() + i * rm;
          const float qn = q_norms[static_cast<std::size_t>(qb + i)];
          float threshold = top.threshold();
          for (std::int64_t j = 0; j < rm; ++j) {
            // Higher is better inside: an L2 distance enters negated (and, as
            // FAISS, clamped at 0 against rounding).
            const float key = l2 ? -std::max(qn + norms_[static_cast<std::size_t>(rb + j)] - 2 * s[j], 0.0f) : s[j];
            if (key < threshold) continue;
            top.push({key, ids_[static_cast<std::size_t>(rb + j)]});
            threshold = top.threshold();
          }
        }
      }
    }
  }
  SearchResults r = empty_results(nq, k);
  for (std::int64_t i = 0; i < nq; ++i) {
    TopK& top = best[0][static_cast<std::size_t>(i)];
    for (int t = 1; t < threads; ++t) top.merge(best[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)]);
    write_row(r, i, top, metric_);
  }
  return r;
}

std::int64_t ExactIndex::remove(const std::int64_t* ids, std::int64_t n) {
  std::int64_t removed = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto it = row_of_.find(ids[i]);
    if (it == row_of_.end()) continue;
    const std::int64_t row = it->second, last = size() - 1;
    row_of_.erase(it);
    if (row != last) {  // the last row moves into the hole
      std::copy(vectors_.begin() + last * dim_, vectors_.begin() + (last + 1) * dim_, vectors_.begin() + row * dim_);
      ids_[static_cast<std::size_t>(row)] = ids_[static_cast<std::size_t>(last)];
      norms_[static_cast<std::size_t>(row)] = norms_[static_cast<std::size_t>(last)];
      row_of_[ids_[static_cast<std::size_t>(row)]] = row;
    }
    ids_.pop_back();
    norms_.pop_back();
    vectors_.resize(static_cast<std::size_t>(last * dim_));
    ++removed;
  }
  return removed;
}

const float* ExactIndex::vector(std::int64_t id) const {
  const auto it = row_of_.find(id);
  return it == row_of_.end() ? nullptr : vectors_.data() + it->second * dim_;
}

void ExactIndex::save(const std::string& path) const {
  // Payload: count, next id, ids (int64 each), vectors (float32, row-major).
  std::string payload;
  payload.reserve(16 + ids_.size() * 8 + vectors_.size() * 4);
  append_le(payload, ids_.size(), 8);
  append_le(payload, static_cast<std::uint64_t>(next_id_), 8);
  payload.append(reinterpret_cast<const char*>(ids_.data()), ids_.size() * sizeof(std::int64_t));
  payload.append(reinterpret_cast<const char*>(vectors_.data()), vectors_.size() * sizeof(float));
  write_index_file(path, IndexHeader{"exact", metric_, dim_}, payload);
}

std::unique_ptr<ExactIndex> ExactIndex::from_payload(std::int64_t dim, Metric metric, std::string_view payload,
                                                     const std::string& name) {
  PayloadReader in(payload, name);
  const std::uint64_t count = in.u64("the vector count");
  const std::uint64_t next = in.u64("the next id");
  EMBED_CHECK_AS(FormatError, count <= payload.size() / 8 && next <= static_cast<std::uint64_t>(INT64_MAX),
                 "{}: {} vectors cannot fit in the file", name, count);
  std::vector<std::int64_t> ids(count);
  in.copy(ids.data(), count, sizeof(std::int64_t), "the ids");
  std::vector<float> vectors;
  EMBED_CHECK_AS(FormatError, count <= payload.size() / (4 * static_cast<std::uint64_t>(dim)),
                 "{}: {} vectors of {} values cannot fit in the file", name, count, dim);
  vectors.resize(count * static_cast<std::uint64_t>(dim));
  in.copy(vectors.data(), vectors.size(), sizeof(float), "the vectors");
  EMBED_CHECK_AS(FormatError, in.done(), "{}: bytes left over after the vectors", name);
  auto index = std::make_unique<ExactIndex>(dim, metric);
  try {
    // Stored vectors are already normalised: check them, do not renormalise (bits stay the same).
    index->add_rows(
        checked_copy(vectors.data(), static_cast<std::int64_t>(count), dim, Metric::inner_product, "stored vector"),
        static_cast<std::int64_t>(count), ids.data());
  } catch (const InvalidArgument& e) {
    throw FormatError(fmt::format("{}: {}", name, e.what()));
  }
  index->next_id_ = std::max(index->next_id_, static_cast<std::int64_t>(next));
  return index;
}

}  // namespace embed::search
