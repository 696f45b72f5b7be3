#include "apps/cli/documents.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "embed/core/error.h"

namespace embed::cli {

namespace {

search::Document from_json(const std::string& line, const std::string& where) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  EMBED_CHECK_AS(FormatError, j.is_object() && j.contains("text") && j["text"].is_string(),
                 "{}: expected a JSON object with a \"text\" string", where);
  search::Document d;
  d.text = j["text"].get<std::string>();
  j.erase("text");
  if (j.contains("id")) {
    EMBED_CHECK_AS(FormatError, j["id"].is_number_integer() && j["id"].get<std::int64_t>() >= 0,
                   "{}: \"id\" must be an integer >= 0, got {}", where, j["id"].dump());
    d.id = j["id"].get<std::int64_t>();
    j.erase("id");
  }
  for (const char* key : {"title", "path"}) {
    if (!j.contains(key)) continue;
    EMBED_CHECK_AS(FormatError, j[key].is_string(), "{}: \"{}\" must be a string", where, key);
    (key[0] == 't' ? d.title : d.path) = j[key].get<std::string>();
    j.erase(key);
  }
  d.metadata = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return d;
}

}  // namespace

std::vector<search::Document> read_documents(const std::vector<std::string>& paths, bool keep_empty) {
  std::vector<search::Document> docs;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(fmt::format("{}: cannot open", path));
    const bool jsonl = path.ends_with(".jsonl");
    std::string line;
    for (std::int64_t n = 1; std::getline(in, line); ++n) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const bool blank = line.find_first_not_of(" \t") == std::string::npos;
      if (jsonl) {
        if (!blank) docs.push_back(from_json(line, fmt::format("{}:{}", path, n)));
        continue;
      }
      if (blank && !keep_empty) continue;
      search::Document d;
      d.text = std::move(line);
      d.path = fmt::format("{}:{}", path, n);
      docs.push_back(std::move(d));
    }
    if (in.bad()) throw IoError(fmt::format("{}: read failed", path));
  }
  EMBED_CHECK(!docs.empty(), "no documents in {}", fmt::join(paths, ", "));
  return docs;
}

std::vector<std::string> read_texts(const std::vector<std::string>& paths) {
  std::vector<std::string> texts;
  for (search::Document& d : read_documents(paths, /*keep_empty=*/true)) texts.push_back(std::move(d.text));
  return texts;
}

}  // namespace embed::cli
