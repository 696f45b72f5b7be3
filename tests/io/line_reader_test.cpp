// LineReader splits a stream at '\n' exactly as std::getline does, including
// lines that straddle its 1 MiB read blocks and a last line without '\n'.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "embed/io/line_reader.h"

namespace {

std::vector<std::string> read_all(const std::string& text) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::tmpfile(), &std::fclose);
  EXPECT_EQ(std::fwrite(text.data(), 1, text.size(), f.get()), text.size());
  std::rewind(f.get());
  embed::LineReader reader(f.get());
  std::vector<std::string> lines;
  for (std::string line; reader.next(line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> getline_all(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LineReader, MatchesGetline) {
  std::string big;  // lines of many lengths, crossing the block boundaries several times
  for (int i = 0; big.size() < (std::size_t{5} << 20); ++i)
    big += std::string(static_cast<std::size_t>(i * 7919 % 300000), 'x') + "\n";
  const std::vector<std::string> cases = {"",
                                          "\n",
                                          "\n\n",
                                          "a",
                                          "a\nb",
                                          "a\nb\n",
                                          "a\r\nb\r\n",
                                          std::string("a\0b\n", 4),
                                          std::string(3 << 20, 'y'),
                                          big,
                                          big + "tail"};
  for (const std::string& text : cases) EXPECT_EQ(read_all(text), getline_all(text)) << text.size() << " bytes";
}

}  // namespace
