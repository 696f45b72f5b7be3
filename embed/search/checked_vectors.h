// Input checks shared by the index backends.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "embed/search/index.h"

namespace embed::search {

float squared_norm(const float* x, std::int64_t d);

// Copies n x d vectors, checking that they are finite and, for cosine, not
// all zero, and normalising them under cosine. `what` names a row in errors.
std::vector<float> checked_copy(const float* x, std::int64_t n, std::int64_t d, Metric metric, const char* what);

// The ids of an add, checked: >= 0, no repeats, none already present; with
// ids == nullptr, next_id .. next_id + n - 1.
std::vector<std::int64_t> checked_ids(const std::int64_t* ids, std::int64_t n, std::int64_t next_id,
                                      const std::function<bool(std::int64_t)>& present);

}  // namespace embed::search
