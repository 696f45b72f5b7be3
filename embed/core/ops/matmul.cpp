#include "embed/core/ops/matmul.h"

#include <algorithm>

#include "embed/core/autograd.h"
#include "embed/core/blas.h"
#include "embed/core/ops/reduce.h"
#include "embed/core/ops/shape.h"
#include "embed/core/parallel.h"

namespace embed {

namespace {

// A rows x cols matrix as BLAS sees it: element (i, j) is
// p[i * ld + j] (trans = false) or p[j * ld + i] (trans = true).
struct Mat {
  const float* p;
  std::int64_t ld;
  bool trans;
};

// Whether a strided rows x cols matrix can be handed to BLAS without a copy.
bool as_mat(const float* p, std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs, Mat& out) {
  if ((cs == 1 || cols == 1) && (rows == 1 || rs >= std::max<std::int64_t>(cols, 1))) {
    out = {p, rows == 1 ? std::max<std::int64_t>(cols, 1) : rs, false};
    return true;
  }
  if ((rs == 1 || rows == 1) && (cols == 1 || cs >= std::max<std::int64_t>(rows, 1))) {
    out = {p, cols == 1 ? std::max<std::int64_t>(rows, 1) : cs, true};
    return true;
  }
  return false;
}

// The last two axes of t are BLAS-usable in every batch? Otherwise a contiguous copy.
Tensor blas_ready(const Tensor& t) {
  const std::size_t r = t.shape().size();
  Mat m{};
  if (as_mat(t.data<float>(), t.shape()[r - 2], t.shape()[r - 1], t.strides()[r - 2], t.strides()[r - 1], m)) return t;
  return t.contiguous();
}

Mat mat_at(const Tensor& t, std::int64_t offset) {
  const std::size_t r = t.shape().size();
  Mat m{};
  as_mat(t.data<float>() + offset, t.shape()[r - 2], t.shape()[r - 1], t.strides()[r - 2], t.strides()[r - 1], m);
  return m;
}

// Element offsets of each broadcast batch of t (batch axes = all but the last two).
std::vector<std::int64_t> batch_offsets(const Tensor& t, const Shape& batch) {
  const std::size_t tb = t.shape().size() - 2;
  const std::size_t lead = batch.size() - tb;
  std::vector<std::int64_t> offs(static_cast<std::size_t>(numel(batch)));
  for (std::size_t i = 0; i < offs.size(); ++i) {
    std::int64_t rem = static_cast<std::int64_t>(i), off = 0;
    for (std::size_t d = batch.size(); d-- > 0;) {
      const std::int64_t k = rem % batch[d];
      rem /= batch[d];
      if (d >= lead && t.shape()[d - lead] != 1) off += k * t.strides()[d - lead];
    }
    offs[i] = off;
  }
  return offs;
}

// C[m x n] = A · B over broadcast batches; a: [..., m, k], b: [..., k, n].
Tensor matmul_kernel(const Tensor& a_in, const Tensor& b_in) {
  const std::size_t ra = a_in.shape().size(), rb = b_in.shape().size();
  const std::int64_t m = a_in.shape()[ra - 2], k = a_in.shape()[ra - 1], n = b_in.shape()[rb - 1];
  EMBED_CHECK(b_in.shape()[rb - 2] == k, "matmul: {} @ {}: inner sizes {} and {} differ", describe(a_in),
              describe(b_in), k, b_in.shape()[rb - 2]);
  const Shape batch = broadcast_shapes(Shape(a_in.shape().begin(), a_in.shape().end() - 2),
                                       Shape(b_in.shape().begin(), b_in.shape().end() - 2));
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape);
  float* c = out.data<float>();

  // One GEMM when b is a single matrix and a's batches stack into rows.
  if (rb == 2 && a_in.is_contiguous()) {
    const Tensor bb = blas_ready(b_in);
    const Mat B = mat_at(bb, 0);
    gemm(false, B.trans, numel(batch) * m, n, k, 1.0f, a_in.data<float>(), std::max<std::int64_t>(k, 1), B.p, B.ld,
         0.0f, c, n);
    return out;
  }
  const Tensor a = blas_ready(a_in), b = blas_ready(b_in);
  const auto offa = batch_offsets(a, batch), offb = batch_offsets(b, batch);
  const auto count = static_cast<std::int64_t>(offa.size());
  auto run = [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      const Mat A = mat_at(a, offa[i]), B = mat_at(b, offb[i]);
      gemm(A.trans, B.trans, m, n, k, 1.0f, A.p, A.ld, B.p, B.ld, 0.0f, c + i * m * n, n);
    }
  };
  // Many small products: one per thread (BLAS runs single-threaded inside).
  // Few large ones: BLAS parallelises each.
  if (m * n * k < 64 * 64 * 64) {
    parallel_for(count, m * n * k, run);
  } else {
    run(0, count);
  }
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  EMBED_CHECK(a.dtype() == DType::f32 && b.dtype() == DType::f32, "matmul needs f32, got {} and {}", describe(a),
              describe(b));
  EMBED_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul needs tensors of rank >= 1, got {} and {}", describe(a),
              describe(b));
  if (a.dim() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.dim() == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  Tensor out = matmul_kernel(a, b);
  if (!should_record({&a, &b})) return out;
  const Tensor ad = a.detach(), bd = b.detach();
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(out, "matmul", {a, b}, [ad, bd, ga, gb](const Tensor& g) {
    Tensor grad_a, grad_b;
    if (ga) grad_a = sum_to(matmul_kernel(g, transpose(bd, -1, -2)), ad.shape());
    if (gb) {
      if (bd.dim() == 2 && ad.dim() > 2) {
        // Sum over a's batches as one product of stacked rows.
        const std::int64_t k = ad.shape().back(), n = bd.shape().back();
        grad_b = matmul_kernel(transpose(reshape(ad, {-1, k}), 0, 1), reshape(g, {-1, n}));
      } else {
        grad_b = sum_to(matmul_kernel(transpose(ad, -1, -2), g), bd.shape());
      }
    }
    return std::vector<Tensor>{grad_a, grad_b};
  });
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
  EMBED_CHECK(x.dtype() == DType::f32 && w.dtype() == DType::f32, "linear needs f32, got {} and {}", describe(x),
              describe(w));
  EMBED_CHECK(w.dim() == 2, "linear weight must be [out, in], got {}", describe(w));
  EMBED_CHECK(x.dim() >= 1 && x.shape().back() == w.shape()[1], "linear: input {} does not match weight {}",
              describe(x), describe(w));
  const std::int64_t in = w.shape()[1], out_f = w.shape()[0];
  if (bias.defined())
    EMBED_CHECK(bias.dtype() == DType::f32 && bias.shape() == Shape{out_f}, "linear bias must be f32[{}], got {}",
                out_f, describe(bias));
  const Tensor xc = x.detach().contiguous();
  const std::int64_t rows = in == 0 ? numel(Shape(x.shape().begin(), x.shape().end() - 1)) : xc.numel() / in;
  Shape out_shape = x.shape();
  out_shape.back() = out_f;
  Tensor out = Tensor::empty(out_shape);
  float* y = out.data<float>();
  float beta = 0.0f;
  if (bias.defined()) {
    const Tensor bc = bias.detach().contiguous();
    const float* pb = bc.data<float>();
    for (std::int64_t r = 0; r < rows; ++r) std::copy_n(pb, out_f, y + r * out_f);
    beta = 1.0f;
  }
  // y = x · w^T: w as a [in, out] matrix is w transposed.
  const Tensor wr = blas_ready(w.detach());
  const Mat W = mat_at(wr, 0);
  gemm(false, !W.trans, rows, out_f, in, 1.0f, xc.data<float>(), std::max<std::int64_t>(in, 1), W.p, W.ld, beta, y,
       out_f);
  if (!should_record({&x, &w, &bias})) return out;
  const Tensor xd = xc, wd = w.detach();
  const bool gx = x.requires_grad(), gw = w.requires_grad(), gbias = bias.defined() && bias.requires_grad();
  return record(out, "linear", {x, w, bias}, [xd, wd, gx, gw, gbias, rows, in, out_f](const Tensor& g) {
    const Tensor g2 = reshape(g.contiguous(), {rows, out_f});
    Tensor dx, dw, db;
    if (gx) dx = reshape(matmul_kernel(g2, wd), xd.shape());                   // g · w
    if (gw) dw = matmul_kernel(transpose(g2, 0, 1), reshape(xd, {rows, in}));  // g^T · x
    if (gbias) db = sum(g2, {0});                                              // Σ_rows g
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace embed
