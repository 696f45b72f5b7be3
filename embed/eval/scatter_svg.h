// A 2-D scatter plot as a standalone SVG file (no plotting library): points
// scaled into the canvas, optional labels that either colour the points by
// category (a legend, when there are at most 20 distinct labels) or are
// written next to each point (for word plots), and a title.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace embed::eval {

struct ScatterOptions {
  std::string title;
  std::vector<std::string> labels;  // empty, or one per point
  int width = 800, height = 800;
};

// coords: n x 2, row-major.
std::string scatter_svg(const std::vector<float>& coords, const ScatterOptions& options);
void write_scatter_svg(const std::string& path, const std::vector<float>& coords, const ScatterOptions& options);

}  // namespace embed::eval
