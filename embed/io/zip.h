// The subset of the ZIP format (PKWARE APPNOTE 6.3) that NumPy's .npz files
// use: a flat list of named members, stored (method 0) or deflated (method 8),
// with Zip64 size fields when numpy forces them. Reading trusts only the
// central directory and checks every offset, size and CRC-32 against the
// buffer; writing stores members uncompressed, which `numpy.load` and
// `scipy.sparse.load_npz` read directly.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace embed {

// Member name -> contents. `name` is used in error messages (FormatError).
std::map<std::string, std::string> parse_zip(const unsigned char* data, std::size_t size, const std::string& name);
std::map<std::string, std::string> load_zip(const std::string& path);
// Writes the members in the given order, uncompressed. Atomic.
void save_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members);

}  // namespace embed
