#include "status/feeds.h"

#include <fmt/format.h>

#include <ctime>

#include "http/html_escape.h"

namespace floodgate::status {
namespace {

// The timeline of an incident as HTML, newest first, for a feed entry's content.
std::string timeline(const Incident& i) {
  std::string out;
  for (const auto& u : i.updates) {
    out += fmt::format("<p><strong>{}</strong> ({}): {}</p>", http::escapeHtml(u.status),
                       isoTime(u.created_at), http::escapeHtml(u.body));
  }
  return out;
}

std::string rfc822(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

const char* statusColor(ComponentStatus s) {
  switch (s) {
    case ComponentStatus::kOperational:
      return "#2e9e5b";
    case ComponentStatus::kDegradedPerformance:
      return "#d4a017";
    case ComponentStatus::kPartialOutage:
      return "#e8710a";
    case ComponentStatus::kMajorOutage:
      return "#d93025";
    case ComponentStatus::kUnderMaintenance:
      return "#3b82f6";
  }
  return "#888888";
}

std::string atomFeed(const PageInfo& page, const std::vector<Incident>& incidents) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n"
      "<id>tag:floodgate,{0}:history</id>\n<title>{1} status - incident history</title>\n"
      "<link rel=\"alternate\" type=\"text/html\" href=\"{2}\"/>\n"
      "<link rel=\"self\" type=\"application/atom+xml\" href=\"{2}/history.atom\"/>\n"
      "<updated>{3}</updated>\n",
      http::escapeHtml(page.id), http::escapeHtml(page.name), http::escapeHtml(page.url),
      isoTime(page.updated_at));
  for (const auto& i : incidents) {
    out += fmt::format(
        "<entry>\n<id>tag:floodgate,{0}:incident/{1}</id>\n<published>{2}</published>\n"
        "<updated>{3}</updated>\n<link rel=\"alternate\" type=\"text/html\" "
        "href=\"{4}/incidents/{1}\"/>\n<title>{5}</title>\n<content type=\"html\">{6}</content>\n"
        "</entry>\n",
        http::escapeHtml(page.id), http::escapeHtml(i.id), isoTime(i.created_at),
        isoTime(i.updated_at), http::escapeHtml(page.url), http::escapeHtml(i.name),
        http::escapeHtml(timeline(i)));
  }
  out += "</feed>\n";
  return out;
}

std::string rssFeed(const PageInfo& page, const std::vector<Incident>& incidents) {
  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n"
      "<title>{0} status - incident history</title>\n<link>{1}</link>\n"
      "<description>Statuspage for {0}</description>\n<lastBuildDate>{2}</lastBuildDate>\n",
      http::escapeHtml(page.name), http::escapeHtml(page.url), rfc822(page.updated_at));
  for (const auto& i : incidents) {
    out += fmt::format(
        "<item>\n<title>{0}</title>\n<description>{1}</description>\n<pubDate>{2}</pubDate>\n"
        "<link>{3}/incidents/{4}</link>\n<guid>{3}/incidents/{4}</guid>\n</item>\n",
        http::escapeHtml(i.name), http::escapeHtml(timeline(i)), rfc822(i.created_at),
        http::escapeHtml(page.url), http::escapeHtml(i.id));
  }
  out += "</channel>\n</rss>\n";
  return out;
}

std::string badgeSvg(const Component& component) {
  // Widths from a rough 6.5 px per character of 11 px Verdana, as shields.io badges measure.
  std::string label = http::escapeHtml(component.name);
  std::string value = statusLabel(component.status);
  int lw = 10 + static_cast<int>(component.name.size() * 6.5);
  int vw = 10 + static_cast<int>(value.size() * 6.5);
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"20\" role=\"img\" "
      "aria-label=\"{1}: {2}\"><title>{1}: {2}</title>"
      "<rect width=\"{3}\" height=\"20\" fill=\"#555\"/>"
      "<rect x=\"{3}\" width=\"{4}\" height=\"20\" fill=\"{5}\"/>"
      "<g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\">"
      "<text x=\"5\" y=\"14\">{1}</text><text x=\"{6}\" y=\"14\">{2}</text></g></svg>",
      lw + vw, label, value, lw, vw, statusColor(component.status), lw + 5);
}

}  // namespace floodgate::status
