// JSON configuration files (HF config.json and our own), via nlohmann-json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace embed {

// Parses UTF-8 JSON text; invalid JSON or invalid UTF-8 throws FormatError naming `name`.
nlohmann::json parse_json(std::string_view text, const std::string& name);
nlohmann::json load_json(const std::string& path);
// Pretty-printed, atomic.
void save_json(const std::string& path, const nlohmann::json& value);

}  // namespace embed
