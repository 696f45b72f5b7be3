#include "embed/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>

#include "embed/core/error.h"

namespace embed {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds) + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string format_progress(const std::string& label, std::int64_t done, std::int64_t total, double elapsed_s,
                            const std::string& unit, int bar_width) {
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0.0;
  const std::string rate_str = fmt::format("{:.{}f} {}/s", rate, rate < 10 ? 2 : (rate < 1000 ? 1 : 0), unit);
  if (total <= 0) return fmt::format("{}  {}  {}  {}", label, done, rate_str, format_duration(elapsed_s));
  const double frac = std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0);
  std::string bar;
  if (bar_width > 0) {
    const int filled = static_cast<int>(frac * bar_width);
    bar = "  [" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "]";
  }
  const std::string eta = rate > 0 && done < total ? "ETA " + format_duration(static_cast<double>(total - done) / rate)
                                                   : (done >= total ? "in " + format_duration(elapsed_s) : "ETA ?");
  return fmt::format("{}{}  {:3.0f}%  {}/{}  {}  {}", label, bar, frac * 100.0, done, total, rate_str, eta);
}

Progress::Progress(std::string label, std::int64_t total, std::string unit)
    : Progress(std::move(label), total, std::move(unit), Options{}) {}

Progress::Progress(std::string label, std::int64_t total, std::string unit, Options options)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      options_(options),
      terminal_(options.terminal >= 0 ? options.terminal == 1 : ::isatty(::fileno(options.out)) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::advance(std::int64_t n) {
  done_.fetch_add(n);
  if (!options_.enabled) return;
  const auto now = std::chrono::steady_clock::now();
  // Cheap test first; the lock only when a redraw may be due.
  if (terminal_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  std::unique_lock<std::mutex> lock(draw_mutex_, std::try_to_lock);
  if (lock.owns_lock() && !finished_) draw(false);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (options_.enabled) draw(true);
}

void Progress::draw(bool final) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::int64_t done = done_.load();
  if (terminal_) {
    std::fprintf(options_.out, "\r%s\033[K%s", format_progress(label_, done, total_, elapsed, unit_, 24).c_str(),
                 final ? "\n" : "");
  } else {
    // Plain lines: on each new tenth of the total (or every 30 s when the total is unknown).
    const std::int64_t tenth = total_ > 0 ? done * 10 / total_ : static_cast<std::int64_t>(elapsed / 30.0);
    if (final ? done == last_reported_done_ : tenth == last_reported_tenth_) return;
    last_reported_tenth_ = tenth;
    last_reported_done_ = done;
    std::fprintf(options_.out, "%s\n", format_progress(label_, done, total_, elapsed, unit_, 0).c_str());
  }
  std::fflush(options_.out);
  last_draw_ = now;
}

namespace {

std::atomic<bool> interrupt_requested{false};

extern "C" void on_interrupt_signal(int sig) {
  if (interrupt_requested.load()) {  // second request: leave at once, as without a handler
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  interrupt_requested.store(true);
}

}  // namespace

void install_interrupt_handler() {
  std::signal(SIGINT, on_interrupt_signal);
  std::signal(SIGTERM, on_interrupt_signal);
}

bool interrupted() { return interrupt_requested.load(); }

void check_interrupted(const char* what) {
  if (interrupted()) throw Interrupted(fmt::format("{} interrupted", what));
}

void request_interrupt() { interrupt_requested.store(true); }
void clear_interrupt() { interrupt_requested.store(false); }

}  // namespace embed
