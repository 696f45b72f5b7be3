// A compressed sparse row matrix of doubles (scikit-learn's default dtype),
// with column indices sorted within each row, and its files:
//   .npz  as scipy.sparse.save_npz writes it: members indices.npy, indptr.npy,
//         format.npy (b'csr'), shape.npy, data.npy; loadable with
//         scipy.sparse.load_npz. Reading accepts scipy's compressed files.
//   .npy  the dense matrix (float32).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embed/core/tensor.h"

namespace embed::text {

struct CsrMatrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int64_t> indptr{0};  // rows + 1 entries
  std::vector<std::int32_t> indices;    // column of each stored value, ascending within a row
  std::vector<double> data;

  std::int64_t nnz() const { return static_cast<std::int64_t>(data.size()); }
  // Scales each row to unit L2 (or L1) norm; rows of norm 0 stay zero.
  void normalize_rows(bool l1 = false);
  Tensor to_dense() const;  // f32 [rows, cols]
  // Checks shape, monotone indptr, in-range sorted indices, finite data; throws FormatError naming `what`.
  void validate(const std::string& what) const;
};

void save_npz(const std::string& path, const CsrMatrix& m);  // atomic
CsrMatrix load_npz(const std::string& path);
CsrMatrix parse_npz(const unsigned char* data, std::size_t size, const std::string& name);
// Writes .npz or .npy (dense, float32) by the extension of `path`.
void save_matrix(const std::string& path, const CsrMatrix& m);

}  // namespace embed::text
