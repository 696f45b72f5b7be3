#include "embed/io/line_reader.h"

#include <cerrno>
#include <cstring>

#include "embed/core/error.h"

namespace embed {

bool LineReader::next(std::string& line) {
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  for (;;) {
    const std::size_t newline = buffer_.find('\n', at_);
    if (newline != std::string::npos) {
      line.assign(buffer_, at_, newline - at_);
      at_ = newline + 1;
      return true;
    }
    if (eof_) {
      if (at_ >= buffer_.size()) return false;
      line.assign(buffer_, at_, std::string::npos);
      at_ = buffer_.size();
      return true;
    }
    buffer_.erase(0, at_);  // keep the partial line, then read more after it
    at_ = 0;
    const std::size_t kept = buffer_.size();
    buffer_.resize(kept + kBlock);
    const std::size_t got = std::fread(buffer_.data() + kept, 1, kBlock, in_);
    buffer_.resize(kept + got);
    if (got < kBlock) {
      EMBED_CHECK_AS(IoError, !std::ferror(in_), "cannot read input: {}", std::strerror(errno));
      eof_ = true;
    }
  }
}

}  // namespace embed
