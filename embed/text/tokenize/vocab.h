// Token vocabularies: token string <-> id, and the loaders of the published
// formats: BERT's vocab.txt (one token per line, id = line number) and
// GPT-2's vocab.json (token -> id) with merges.txt ("a b" per line, ranked by
// line order after an optional "#version" header).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace embed::text {

class Vocab {
 public:
  Vocab() = default;
  // Tokens in id order; duplicates are an error.
  explicit Vocab(std::vector<std::string> tokens);
  std::optional<std::int64_t> find(const std::string& token) const;
  const std::string& token(std::int64_t id) const;
  std::int64_t size() const { return static_cast<std::int64_t>(tokens_.size()); }
  std::int64_t add(const std::string& token);  // id of a new token (or of the existing one)

 private:
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

Vocab load_vocab_txt(const std::string& path);
// A JSON object token -> id (vocab.json, or a tokenizer.json model's "vocab");
// the ids must be exactly 0..n-1. `source` names the file in errors.
Vocab vocab_from_json(const nlohmann::json& object, const std::string& source);
// The ids of a vocab.json must be exactly 0..n-1.
Vocab load_vocab_json(const std::string& path);
std::vector<std::pair<std::string, std::string>> load_merges_txt(const std::string& path);

}  // namespace embed::text
