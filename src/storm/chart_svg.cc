#include "storm/chart_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "http/html_escape.h"

namespace floodgate::storm {
namespace {

constexpr double kWidth = 960;
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kPanelHeight = 150;
constexpr double kPanelGap = 42;
constexpr double kTop = 56;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string escape(const std::string& s) { return http::escapeHtml(s); }

// A "nice" axis top at or above v: 1, 2 or 5 times a power of ten.
double niceCeil(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

std::string siCount(double v) {
  if (v >= 1e6) return fmt("%gM", v / 1e6);
  if (v >= 1e3) return fmt("%gk", v / 1e3);
  return fmt("%g", v);
}

struct Panel {
  double top;
  double seconds;
  double x(double t) const { return kLeft + (kWidth - kLeft - kRight) * t / seconds; }
  double bottom() const { return top + kPanelHeight; }
};

// A polyline through the points that have a value, broken where one is missing.
std::string line(const Panel& p, size_t n, const std::function<std::optional<double>(size_t)>& y,
                 const char* color, double width, const char* dash = nullptr) {
  std::string out, pts;
  auto flush = [&] {
    if (pts.empty()) return;
    out += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"" +
           fmt("%g", width) + "\"" +
           (dash ? std::string(" stroke-dasharray=\"") + dash + "\"" : "") + " points=\"" + pts +
           "\"/>\n";
    pts.clear();
  };
  for (size_t i = 0; i < n; ++i) {
    auto v = y(i);
    if (!v) {
      flush();
      continue;
    }
    pts += fmt("%.1f", p.x(static_cast<double>(i) + 0.5)) + "," + fmt("%.1f", *v) + " ";
  }
  flush();
  return out;
}

}  // namespace

std::string chartSvg(const ChartData& d) {
  // The time axis spans the phases (or the data, when there are no phases).
  double seconds = 0;
  for (const auto& ph : d.phases) seconds = std::max(seconds, ph.end_s);
  if (seconds <= 0) seconds = std::max<double>(1, static_cast<double>(d.seconds.size()));
  size_t n = std::min(d.seconds.size(), static_cast<size_t>(std::ceil(seconds)));
  double height = kTop + 3 * kPanelHeight + 3 * kPanelGap + 10;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%g", kWidth) +
                    "\" height=\"" + fmt("%g", height) + "\" viewBox=\"0 0 " + fmt("%g", kWidth) +
                    " " + fmt("%g", height) +
                    "\" font-family=\"sans-serif\" font-size=\"11\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + fmt("%g", kLeft) + "\" y=\"20\" font-size=\"15\" font-weight=\"bold\">" +
         escape(d.title) + "</text>\n";

  Panel panels[3];
  for (int i = 0; i < 3; ++i) panels[i] = {kTop + i * (kPanelHeight + kPanelGap), seconds};
  const char* titles[3] = {"legitimate success (2xx/3xx, %)", "legitimate p99 latency (ms, log)",
                           "attack requests/s: offered vs reaching the origin"};

  // Scales.
  double p99_max = 1;
  double rate_max = 1;
  for (size_t i = 0; i < n; ++i) {
    const ChartPoint& pt = d.seconds[i];
    if (pt.p99_ms) p99_max = std::max(p99_max, *pt.p99_ms);
    rate_max = std::max(rate_max, pt.offered_rps);
    if (pt.admitted_rps) rate_max = std::max(rate_max, *pt.admitted_rps);
  }
  double log_top = std::ceil(std::log10(std::max(p99_max, 10.0)));
  double log_bottom = std::min(0.0, log_top - 1);  // from 1 ms
  double p99_min_seen = p99_max;
  for (size_t i = 0; i < n; ++i) {
    const ChartPoint& pt = d.seconds[i];
    if (pt.p99_ms && *pt.p99_ms > 0) p99_min_seen = std::min(p99_min_seen, *pt.p99_ms);
  }
  if (p99_min_seen < 1) log_bottom = std::floor(std::log10(std::max(p99_min_seen, 0.01)));
  rate_max = niceCeil(rate_max);

  for (int i = 0; i < 3; ++i) {
    const Panel& p = panels[i];
    // Phases shaded, named above the first panel.
    for (const auto& ph : d.phases) {
      double x0 = p.x(ph.start_s), x1 = p.x(ph.end_s);
      svg += "<rect x=\"" + fmt("%.1f", x0) + "\" y=\"" + fmt("%.1f", p.top) + "\" width=\"" +
             fmt("%.1f", x1 - x0) + "\" height=\"" + fmt("%g", kPanelHeight) + "\" fill=\"" +
             (ph.attack ? "#fbe3e0" : "#f2f5f8") + "\" stroke=\"#ffffff\"/>\n";
      if (i == 0) {
        svg += "<text x=\"" + fmt("%.1f", (x0 + x1) / 2) + "\" y=\"" + fmt("%.1f", p.top - 6) +
               "\" text-anchor=\"middle\" fill=\"" + (ph.attack ? "#b42318" : "#475467") + "\">" +
               escape(ph.name) + "</text>\n";
      }
    }
    svg += "<text x=\"" + fmt("%g", kLeft) + "\" y=\"" + fmt("%.1f", p.top - (i == 0 ? 22 : 6)) +
           "\" font-weight=\"bold\">" + titles[i] + "</text>\n";
    svg += "<rect x=\"" + fmt("%g", kLeft) + "\" y=\"" + fmt("%.1f", p.top) + "\" width=\"" +
           fmt("%g", kWidth - kLeft - kRight) + "\" height=\"" + fmt("%g", kPanelHeight) +
           "\" fill=\"none\" stroke=\"#98a2b3\"/>\n";
    // Time ticks.
    double step = niceCeil(seconds / 12);
    for (double t = 0; t <= seconds + 1e-9; t += step) {
      svg += "<text x=\"" + fmt("%.1f", p.x(t)) + "\" y=\"" + fmt("%.1f", p.bottom() + 13) +
             "\" text-anchor=\"middle\" fill=\"#667085\">" + fmt("%gs", t) + "</text>\n";
    }
  }

  auto gridY = [&](const Panel& p, double frac, const std::string& label) {
    double y = p.bottom() - frac * kPanelHeight;
    svg += "<line x1=\"" + fmt("%g", kLeft) + "\" x2=\"" + fmt("%g", kWidth - kRight) + "\" y1=\"" +
           fmt("%.1f", y) + "\" y2=\"" + fmt("%.1f", y) +
           "\" stroke=\"#d0d5dd\" stroke-width=\"0.5\"/>\n";
    svg += "<text x=\"" + fmt("%g", kLeft - 6) + "\" y=\"" + fmt("%.1f", y + 4) +
           "\" text-anchor=\"end\" fill=\"#667085\">" + label + "</text>\n";
  };

  // Panel 1: success.
  for (double v : {0.0, 25.0, 50.0, 75.0, 100.0}) gridY(panels[0], v / 100, fmt("%g%%", v));
  svg += line(
      panels[0], n,
      [&](size_t i) -> std::optional<double> {
        if (!d.seconds[i].success) return std::nullopt;
        return panels[0].bottom() - *d.seconds[i].success * kPanelHeight;
      },
      "#12b76a", 2);

  // Panel 2: p99, log scale.
  auto logY = [&](double ms) {
    double l = std::log10(std::max(ms, std::pow(10, log_bottom)));
    return panels[1].bottom() - (l - log_bottom) / (log_top - log_bottom) * kPanelHeight;
  };
  for (double e = log_bottom; e <= log_top + 1e-9; e += 1) {
    double ms = std::pow(10, e);
    gridY(panels[1], (e - log_bottom) / (log_top - log_bottom),
          ms >= 1000 ? fmt("%gs", ms / 1000) : fmt("%gms", ms));
  }
  svg += line(
      panels[1], n,
      [&](size_t i) -> std::optional<double> {
        if (!d.seconds[i].p99_ms) return std::nullopt;
        return logY(*d.seconds[i].p99_ms);
      },
      "#2e90fa", 2);

  // Panel 3: attack offered (a shaded area) and what reached the origin (a line over it).
  for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) gridY(panels[2], v, siCount(v * rate_max));
  if (n > 0) {
    std::string area = fmt("%.1f", panels[2].x(0.5)) + "," + fmt("%.1f", panels[2].bottom()) + " ";
    for (size_t i = 0; i < n; ++i) {
      area += fmt("%.1f", panels[2].x(static_cast<double>(i) + 0.5)) + "," +
              fmt("%.1f", panels[2].bottom() - d.seconds[i].offered_rps / rate_max * kPanelHeight) +
              " ";
    }
    area += fmt("%.1f", panels[2].x(static_cast<double>(n) - 0.5)) + "," +
            fmt("%.1f", panels[2].bottom());
    svg +=
        "<polygon fill=\"#f79009\" fill-opacity=\"0.35\" stroke=\"#f79009\" "
        "stroke-width=\"1\" points=\"" +
        area + "\"/>\n";
  }
  svg += line(
      panels[2], n,
      [&](size_t i) -> std::optional<double> {
        if (!d.seconds[i].admitted_rps) return std::nullopt;
        return panels[2].bottom() - *d.seconds[i].admitted_rps / rate_max * kPanelHeight;
      },
      "#d92d20", 2);
  double ly = panels[2].top + 14;
  svg += "<text x=\"" + fmt("%g", kWidth - kRight - 8) + "\" y=\"" + fmt("%.1f", ly) +
         "\" text-anchor=\"end\"><tspan fill=\"#f79009\">&#9632; offered</tspan>  "
         "<tspan fill=\"#d92d20\">— reached the origin</tspan></text>\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace floodgate::storm
