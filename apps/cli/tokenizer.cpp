// `embed tokenizer encode|decode tokenizer.json`: JSON lines through stdin/stdout.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "apps/cli/commands.h"
#include "embed/core/error.h"
#include "embed/core/progress.h"
#include "embed/text/tokenize/tokenizer_json.h"

namespace embed::cli {

int run_tokenizer_encode(const TokenizerOptions& o) {
  const text::Tokenizer tok = text::load_tokenizer_json(o.tokenizer);
  std::string line;
  while (std::getline(std::cin, line)) {
    check_interrupted("encoding");
    const text::Encoding e = tok.encode(line, o.add_special_tokens);
    nlohmann::json out;
    out["ids"] = e.ids;
    // Tokens of a byte-level vocabulary may split a UTF-8 character: keep
    // them valid JSON by replacing ill-formed bytes.
    std::vector<std::string> tokens;
    for (const std::string& t : e.tokens) tokens.push_back(text::encode_utf8(text::decode_utf8(t).chars));
    out["tokens"] = tokens;
    out["offsets"] = e.offsets;
    std::cout << out.dump() << '\n';
  }
  return 0;
}

int run_tokenizer_decode(const TokenizerOptions& o) {
  const text::Tokenizer tok = text::load_tokenizer_json(o.tokenizer);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    check_interrupted("decoding");
    ++line_no;
    nlohmann::json in;
    try {
      in = nlohmann::json::parse(line);
      if (in.is_object()) in = in.at("ids");
      const std::string s = tok.decode(in.get<std::vector<std::int64_t>>(), o.skip_special_tokens);
      std::cout << text::encode_utf8(text::decode_utf8(s).chars) << '\n';
    } catch (const nlohmann::json::exception&) {
      throw InvalidArgument(fmt::format("stdin line {}: expected a JSON array of ids or {{\"ids\": [...]}}", line_no));
    }
  }
  return 0;
}

}  // namespace embed::cli
