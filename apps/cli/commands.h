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

int run_demo(const DemoOptions& options);
int run_inspect(const std::string& path);

}  // namespace embed::cli
