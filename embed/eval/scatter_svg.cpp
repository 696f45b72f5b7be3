#include "embed/eval/scatter_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "embed/core/error.h"
#include "embed/io/atomic_file.h"

namespace embed::eval {

namespace {

// Tableau 10, then a neutral grey for the rest.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') out += c;  // XML 1.0 forbids most controls
    }
  }
  return out;
}

}  // namespace

std::string scatter_svg(const std::vector<float>& coords, const ScatterOptions& o) {
  EMBED_CHECK(coords.size() % 2 == 0 && !coords.empty(), "a scatter plot needs n x 2 coordinates");
  const std::size_t n = coords.size() / 2;
  EMBED_CHECK(o.labels.empty() || o.labels.size() == n, "{} labels for {} points", o.labels.size(), n);
  for (float v : coords) EMBED_CHECK(std::isfinite(v), "a coordinate is NaN or infinite");
  float x0 = coords[0], x1 = coords[0], y0 = coords[1], y1 = coords[1];
  for (std::size_t i = 0; i < n; ++i) {
    x0 = std::min(x0, coords[2 * i]);
    x1 = std::max(x1, coords[2 * i]);
    y0 = std::min(y0, coords[2 * i + 1]);
    y1 = std::max(y1, coords[2 * i + 1]);
  }
  std::map<std::string, int> categories;
  for (const auto& l : o.labels) categories.emplace(l, 0);
  const bool legend = !categories.empty() && categories.size() <= 20;
  int next = 0;
  for (auto& [name, index] : categories) index = next++;

  const double margin = 40, top = o.title.empty() ? margin : margin + 20;
  const double legend_width = legend ? 160 : 0;
  const double pw = o.width - 2 * margin - legend_width, ph = o.height - top - margin;
  auto sx = [&](float v) { return margin + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * pw; };
  auto sy = [&](float v) { return top + (y1 > y0 ? (y1 - v) / (y1 - y0) : 0.5) * ph; };  // y grows upwards

  std::string svg = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      o.width, o.height, o.width, o.height);
  if (!o.title.empty())
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"16\">{}</text>\n", margin, margin, escape(o.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#ccc\"/>\n", margin,
                     top, pw, ph);
  const double radius = n > 5000 ? 1.5 : n > 500 ? 2.5 : 4;
  for (std::size_t i = 0; i < n; ++i) {
    const double cx = sx(coords[2 * i]), cy = sy(coords[2 * i + 1]);
    const char* colour = legend ? kPalette[categories[o.labels[i]] % 10] : "#4e79a7";
    svg += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"{}\" fill=\"{}\" fill-opacity=\"0.8\">", cx, cy, radius,
                       legend && categories[o.labels[i]] >= 10 ? "#777" : colour);
    if (!o.labels.empty()) svg += "<title>" + escape(o.labels[i]) + "</title>";
    svg += "</circle>\n";
    if (!o.labels.empty() && !legend && n <= 500)
      svg += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\">{}</text>\n", cx + radius + 2, cy + 4, escape(o.labels[i]));
  }
  if (legend) {
    double y = top + 10;
    for (const auto& [name, index] : categories) {
      svg += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
          o.width - legend_width + 10, y, index < 10 ? kPalette[index] : "#777", o.width - legend_width + 20, y + 4,
          escape(name));
      y += 18;
    }
  }
  svg += "</svg>\n";
  return svg;
}

void write_scatter_svg(const std::string& path, const std::vector<float>& coords, const ScatterOptions& options) {
  const std::string svg = scatter_svg(coords, options);
  write_file_atomic(path, [&](int fd) { write_all(fd, svg.data(), svg.size(), path); });
}

}  // namespace embed::eval
