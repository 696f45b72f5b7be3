// Progress formatting, plain-line throttling and cooperative interruption.
#include "embed/core/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "embed/core/error.h"

namespace {

// Everything a Progress printed into a temporary file.
std::string captured(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, f)) out += buf;
  return out;
}

}  // namespace

TEST(Progress, FormatsBarRateAndEta) {
  EXPECT_EQ(embed::format_duration(5.2), "0:05");
  EXPECT_EQ(embed::format_duration(3723), "1:02:03");
  EXPECT_EQ(embed::format_progress("index", 5, 10, 2.5, "docs", 10),
            "index  [#####-----]   50%  5/10  2.00 docs/s  ETA 0:03");
  EXPECT_EQ(embed::format_progress("index", 10, 10, 4.0, "docs", 0), "index  100%  10/10  2.50 docs/s  in 0:04");
  EXPECT_EQ(embed::format_progress("read", 1500, 0, 1.0, "lines", 0), "read  1500  1500 lines/s  0:01");
}

TEST(Progress, PlainLinesOncePerTenth) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    embed::Progress p("work", 100, "it", {f, 0, true});
    for (int i = 0; i < 100; ++i) p.advance();
  }  // the destructor writes the final line
  const std::string out = captured(f);
  std::fclose(f);
  int lines = 0;
  for (char c : out) lines += c == '\n';
  EXPECT_EQ(lines, 10);  // 10%, 20%, ..., 100%; finish() adds nothing new
  EXPECT_NE(out.find("100/100"), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(Progress, TerminalRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  embed::Progress p("work", 4, "it", {f, 1, true});
  p.advance(4);
  p.finish();
  p.finish();  // idempotent
  const std::string out = captured(f);
  std::fclose(f);
  EXPECT_EQ(out.front(), '\r');
  EXPECT_NE(out.find("[########################]"), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, InterruptIsCooperative) {
  embed::clear_interrupt();
  EXPECT_NO_THROW(embed::check_interrupted("training"));
  embed::request_interrupt();
  EXPECT_TRUE(embed::interrupted());
  EXPECT_THROW(embed::check_interrupted("training"), embed::Interrupted);
  embed::clear_interrupt();
  EXPECT_FALSE(embed::interrupted());
}
