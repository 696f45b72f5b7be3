// One function per CLI verb; main.cpp only parses options.
#pragma once

#include <cstdint>
#include <string>

namespace embed::cli {

struct DemoOptions {
  std::uint64_t seed = 42;
  int steps = 300;
  std::string output = "demo-mlp.safetensors";
};

struct TokenizerOptions {
  std::string tokenizer;  // a tokenizer.json
  bool add_special_tokens = true;
  bool skip_special_tokens = true;
};

int run_demo(const DemoOptions& options);
// Each stdin line (UTF-8 text) -> one JSON line {"ids": [...], "tokens": [...], "offsets": [[b, e], ...]}.
int run_tokenizer_encode(const TokenizerOptions& options);
// Each stdin line (a JSON array of ids, or {"ids": [...]}) -> one line of text.
int run_tokenizer_decode(const TokenizerOptions& options);
int run_inspect(const std::string& path);

}  // namespace embed::cli
