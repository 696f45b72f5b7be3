// Progress of long work, and clean interruption of it.
//
// On a terminal, Progress redraws one line in place (at most 10 times a second):
//   building index  [##########----------]  51%  5100/10000  812 docs/s  ETA 0:06
// Elsewhere (pipes, CI logs) it prints plain lines, one per 10% or per 30 s.
//
// install_interrupt_handler() turns the first Ctrl-C (SIGINT) or SIGTERM into a
// request that long loops see through check_interrupted(), which throws
// Interrupted at a safe point (between steps; files are written atomically,
// so nothing is left half-written). A second Ctrl-C ends the process at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace embed {

// "label  [####----]  50%  5/10  2.0 it/s  ETA 0:03" (total > 0) or
// "label  5  2.0 it/s  0:02" (total unknown); bar_width 0 leaves the bar out.
std::string format_progress(const std::string& label, std::int64_t done, std::int64_t total, double elapsed_s,
                            const std::string& unit, int bar_width);
// 0:05, 1:02:03
std::string format_duration(double seconds);

class Progress {
 public:
  struct Options {
    std::FILE* out = stderr;
    int terminal = -1;  // 1 / 0 forces the redrawn bar / plain lines; -1 asks isatty(out)
    bool enabled = true;
  };
  Progress(std::string label, std::int64_t total, std::string unit = "it");
  Progress(std::string label, std::int64_t total, std::string unit, Options options);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Adds n finished units; safe to call from several threads.
  void advance(std::int64_t n = 1);
  std::int64_t done() const { return done_.load(); }
  // Draws the final state and a newline (once; the destructor calls it too).
  void finish();

 private:
  void draw(bool final);
  std::string label_, unit_;
  std::int64_t total_;
  Options options_;
  bool terminal_;
  std::atomic<std::int64_t> done_{0};
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::int64_t last_reported_tenth_ = 0;  // plain mode: the first line comes at 10%
  std::int64_t last_reported_done_ = -1;
  bool finished_ = false;
  std::mutex draw_mutex_;
};

void install_interrupt_handler();
bool interrupted();
// Throws Interrupted("<what> interrupted") when an interrupt was requested.
void check_interrupted(const char* what);
void request_interrupt();  // what the signal handler does; also for tests
void clear_interrupt();

}  // namespace embed
