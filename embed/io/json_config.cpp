#include "embed/io/json_config.h"

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"

namespace embed {

nlohmann::json parse_json(std::string_view text, const std::string& name) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // The parser quotes the offending bytes; keep the message printable ASCII.
    std::string why = e.what();
    for (char& c : why)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    throw FormatError(fmt::format("{}: not valid UTF-8 JSON: {}", name, why));
  }
}

nlohmann::json load_json(const std::string& path) { return parse_json(read_file(path), path); }

void save_json(const std::string& path, const nlohmann::json& value) {
  const std::string text = value.dump(2) + "\n";
  write_file_atomic(path, [&](int fd) { write_all(fd, text.data(), text.size(), path); });
}

}  // namespace embed
