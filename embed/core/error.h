// Error types of the library. The library never ends the process on bad input:
// it throws one of these, and only apps/ turn them into exit codes or HTTP errors.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace embed {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed something the function cannot accept (shape, dtype, value).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A file or buffer from outside does not follow its format.
class FormatError : public Error {
 public:
  using Error::Error;
};

// The operating system refused a read, write, open or mmap.
class IoError : public Error {
 public:
  using Error::Error;
};

// A valid input uses a feature this build does not implement.
class Unsupported : public Error {
 public:
  using Error::Error;
};

// Long work stopped at a safe point because the user asked (Ctrl-C); see
// embed/core/progress.h. Nothing was left half-written.
class Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace embed

// Precondition check: throws embed::InvalidArgument with a formatted message.
#define EMBED_CHECK(cond, ...)                                             \
  do {                                                                     \
    if (!(cond)) throw ::embed::InvalidArgument(fmt::format(__VA_ARGS__)); \
  } while (0)

// Same, with a chosen error type (FormatError for parsers, for example).
#define EMBED_CHECK_AS(type, cond, ...)                \
  do {                                                 \
    if (!(cond)) throw type(fmt::format(__VA_ARGS__)); \
  } while (0)
