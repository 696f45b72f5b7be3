#include "embed/text/tokenize/vocab.h"

#include <nlohmann/json.hpp>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"
#include "embed/io/json_config.h"

namespace embed::text {

Vocab::Vocab(std::vector<std::string> tokens) {
  for (auto& t : tokens) {
    EMBED_CHECK_AS(FormatError, !ids_.count(t), "vocabulary lists token '{}' twice", t);
    add(t);
  }
}

std::optional<std::int64_t> Vocab::find(const std::string& token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string& Vocab::token(std::int64_t id) const {
  EMBED_CHECK(id >= 0 && id < size(), "token id {} is outside the vocabulary of {}", id, size());
  return tokens_[static_cast<std::size_t>(id)];
}

std::int64_t Vocab::add(const std::string& token) {
  const auto [it, fresh] = ids_.emplace(token, size());
  if (fresh) tokens_.push_back(token);
  return it->second;
}

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  const std::string data = read_file(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    std::string line = data.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

}  // namespace

Vocab load_vocab_txt(const std::string& path) {
  std::vector<std::string> tokens = lines_of(path);
  while (!tokens.empty() && tokens.back().empty()) tokens.pop_back();
  EMBED_CHECK_AS(FormatError, !tokens.empty(), "{}: empty vocabulary", path);
  return Vocab(std::move(tokens));
}

Vocab vocab_from_json(const nlohmann::json& j, const std::string& source) {
  EMBED_CHECK_AS(FormatError, j.is_object(), "{}: a vocabulary must be an object of token -> id", source);
  std::vector<std::string> tokens(j.size());
  std::vector<bool> seen(j.size(), false);
  for (const auto& [token, id] : j.items()) {
    EMBED_CHECK_AS(FormatError, id.is_number_integer(), "{}: the id of '{}' is not an integer", source, token);
    const auto k = id.get<std::int64_t>();
    EMBED_CHECK_AS(FormatError, k >= 0 && k < static_cast<std::int64_t>(tokens.size()) && !seen[k],
                   "{}: vocabulary ids must be 0..{} without repeats ('{}' has {})", source, tokens.size() - 1, token,
                   k);
    seen[k] = true;
    tokens[k] = token;
  }
  return Vocab(std::move(tokens));
}

Vocab load_vocab_json(const std::string& path) { return vocab_from_json(load_json(path), path); }

std::vector<std::pair<std::string, std::string>> load_merges_txt(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t line_no = 0;
  for (const std::string& line : lines_of(path)) {
    ++line_no;
    if (line.empty() || (line_no == 1 && line.rfind("#version", 0) == 0)) continue;
    const std::size_t space = line.find(' ');
    EMBED_CHECK_AS(FormatError,
                   space != std::string::npos && space > 0 && space + 1 < line.size() &&
                       line.find(' ', space + 1) == std::string::npos,
                   "{}:{}: a merge is two tokens separated by one space", path, line_no);
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return merges;
}

}  // namespace embed::text
