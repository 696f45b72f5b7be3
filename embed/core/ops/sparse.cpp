#include "embed/core/ops/sparse.h"

#include <algorithm>
#include <numeric>

#include "embed/core/autograd.h"
#include "embed/core/ops/index.h"
#include "embed/core/parallel.h"

namespace embed {

namespace {

Tensor as_i64(const char* what, const Tensor& t) {
  EMBED_CHECK(t.defined() && (t.dtype() == DType::i64 || t.dtype() == DType::i32) && t.dim() == 1,
              "CSR {} must be a 1-D i32/i64 tensor, got {}", what, t.defined() ? describe(t) : "nothing");
  return t.to(DType::i64).contiguous();
}

}  // namespace

CsrMatrix::CsrMatrix(std::int64_t rows_, std::int64_t cols_, Tensor indptr_, Tensor indices_, Tensor values_)
    : rows(rows_),
      cols(cols_),
      indptr(as_i64("indptr", indptr_)),
      indices(as_i64("indices", indices_)),
      values(std::move(values_)) {
  EMBED_CHECK(rows >= 0 && cols >= 0, "CSR matrix sizes must be non-negative, got {} x {}", rows, cols);
  EMBED_CHECK(
      values.defined() && values.dtype() == DType::f32 && values.dim() == 1 && values.numel() == indices.numel(),
      "CSR values must be f32 [{}] (one per index), got {}", indices.numel(),
      values.defined() ? describe(values) : "nothing");
  EMBED_CHECK(indptr.numel() == rows + 1, "CSR indptr has {} entries for {} rows (need rows + 1)", indptr.numel(),
              rows);
  const auto* p = indptr.data<std::int64_t>();
  EMBED_CHECK(p[0] == 0 && p[rows] == indices.numel(), "CSR indptr must run from 0 to nnz = {}, got {} .. {}",
              indices.numel(), p[0], p[rows]);
  for (std::int64_t r = 0; r < rows; ++r)
    EMBED_CHECK(p[r] <= p[r + 1], "CSR indptr decreases at row {} ({} > {})", r, p[r], p[r + 1]);
  const auto* c = indices.data<std::int64_t>();
  for (std::int64_t k = 0; k < indices.numel(); ++k)
    EMBED_CHECK(c[k] >= 0 && c[k] < cols, "CSR column index {} at entry {} is outside [0, {})", c[k], k, cols);
}

CsrMatrix CsrMatrix::from_coo(std::int64_t rows, std::int64_t cols, const Tensor& row_ids, const Tensor& col_ids,
                              const Tensor& values) {
  const Tensor r = as_i64("row ids", row_ids), c = as_i64("column ids", col_ids);
  EMBED_CHECK(r.numel() == c.numel(), "COO row ids ({}) and column ids ({}) differ in length", r.numel(), c.numel());
  const auto* pr = r.data<std::int64_t>();
  const auto* pc = c.data<std::int64_t>();
  for (std::int64_t k = 0; k < r.numel(); ++k)
    EMBED_CHECK(pr[k] >= 0 && pr[k] < rows, "COO row id {} at entry {} is outside [0, {})", pr[k], k, rows);
  std::vector<std::int64_t> order(r.numel());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return pr[a] != pr[b] ? pr[a] < pr[b] : pc[a] < pc[b]; });
  std::vector<std::int64_t> indptr(rows + 1, 0), indices(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    ++indptr[pr[order[k]] + 1];
    indices[k] = pc[order[k]];
  }
  std::partial_sum(indptr.begin(), indptr.end(), indptr.begin());
  const auto nnz = static_cast<std::int64_t>(order.size());
  const Tensor perm = Tensor::from_vector(order, {nnz});
  return CsrMatrix(rows, cols, Tensor::from_vector(indptr, {rows + 1}), Tensor::from_vector(indices, {nnz}),
                   index_select(values, 0, perm));
}

Tensor CsrMatrix::to_dense() const {
  Tensor out = Tensor::zeros({rows, cols});
  const Tensor v = values.detach().contiguous();
  const auto* p = indptr.data<std::int64_t>();
  const auto* c = indices.data<std::int64_t>();
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t k = p[r]; k < p[r + 1]; ++k) out.data<float>()[r * cols + c[k]] += v.data<float>()[k];
  return out;
}

Tensor spmm(const CsrMatrix& a, const Tensor& x) {
  EMBED_CHECK(x.dtype() == DType::f32 && x.dim() == 2 && x.shape()[0] == a.cols,
              "spmm: dense operand must be f32 [{}, d] for a {} x {} sparse matrix, got {}", a.cols, a.rows, a.cols,
              describe(x));
  const std::int64_t d = x.shape()[1];
  const Tensor xc = x.detach().contiguous(), vc = a.values.detach().contiguous();
  Tensor out = Tensor::zeros({a.rows, d});
  const auto* ptr = a.indptr.data<std::int64_t>();
  const auto* col = a.indices.data<std::int64_t>();
  const float* pv = vc.data<float>();
  const float* px = xc.data<float>();
  float* po = out.data<float>();
  const std::int64_t avg_nnz = a.rows == 0 ? 0 : a.nnz() / a.rows + 1;
  parallel_for(a.rows, avg_nnz * d, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t r = lo; r < hi; ++r) {
      float* dst = po + r * d;
      for (std::int64_t k = ptr[r]; k < ptr[r + 1]; ++k) {
        const float v = pv[k];
        const float* src = px + col[k] * d;
        for (std::int64_t j = 0; j < d; ++j) dst[j] += v * src[j];
      }
    }
  });
  if (!should_record({&x, &a.values})) return out;
  const bool gx = x.requires_grad(), gv = a.values.requires_grad();
  return record(out, "spmm", {a.values, x}, [a, xc, vc, d, avg_nnz, gx, gv](const Tensor& g_in) {
    const auto* row_ptr = a.indptr.data<std::int64_t>();
    const auto* col_idx = a.indices.data<std::int64_t>();
    const float* val = vc.data<float>();
    const float* dense = xc.data<float>();
    const Tensor g = g_in.contiguous();
    const float* pg = g.data<float>();
    Tensor dv, dx;
    if (gv) {
      dv = Tensor::empty({a.nnz()});
      float* p = dv.data<float>();
      parallel_for(a.rows, avg_nnz * d, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r)
          for (std::int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
            const float* gr = pg + r * d;
            const float* xr = dense + col_idx[k] * d;
            float s = 0.0f;
            for (std::int64_t j = 0; j < d; ++j) s += gr[j] * xr[j];
            p[k] = s;
          }
      });
    }
    if (gx) {
      // Aᵀ·g scatters rows; threads take disjoint column ranges so no two write the same element.
      dx = Tensor::zeros({a.cols, d});
      float* p = dx.data<float>();
      parallel_for(d, a.nnz(), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = 0; r < a.rows; ++r)
          for (std::int64_t k = row_ptr[r]; k < row_ptr[r + 1]; ++k) {
            const float v = val[k];
            const float* gr = pg + r * d;
            float* dst = p + col_idx[k] * d;
            for (std::int64_t j = lo; j < hi; ++j) dst[j] += v * gr[j];
          }
      });
    }
    return std::vector<Tensor>{dv, dx};
  });
}

}  // namespace embed
