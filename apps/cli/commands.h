// One function per CLI verb; main.cpp only parses options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  bool ids_only = false;  // encode: space-separated ids per line instead of JSON
};

struct TokenizerTrainOptions {
  std::string model = "bpe";  // bpe | wordpiece | word
  std::int64_t vocab_size = 8000;
  std::int64_t min_frequency = 2;
  std::string criterion = "likelihood";  // wordpiece: likelihood | frequency
  bool lowercase = false;
  std::vector<std::string> corpus;
  std::string output = "tokenizer.json";
};

int run_demo(const DemoOptions& options);
// Trains a tokenizer on text files and writes a tokenizer.json.
int run_tokenizer_train(const TokenizerTrainOptions& options);
// Each stdin line (UTF-8 text) -> one JSON line {"ids": [...], "tokens": [...], "offsets": [[b, e], ...]},
// or with ids_only the ids separated by spaces.
int run_tokenizer_encode(const TokenizerOptions& options);
// Each stdin line (a JSON array of ids, or {"ids": [...]}) -> one line of text.
int run_tokenizer_decode(const TokenizerOptions& options);
int run_inspect(const std::string& path);

}  // namespace embed::cli
