// Lines from a C stream, read in large blocks: std::getline on std::cin
// fetches a character at a time through the synchronised stdio layer, which
// costs more than tokenizing the line (bench/tokenizers).
#pragma once

#include <cstdio>
#include <string>

namespace embed {

class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}
  // The next line without its '\n' (a final line need not end with one);
  // false at the end of the stream. Throws IoError on a read error.
  bool next(std::string& line);

 private:
  std::FILE* in_;
  std::string buffer_;
  std::size_t at_ = 0;  // start of the unread part of buffer_
  bool eof_ = false;
};

}  // namespace embed
