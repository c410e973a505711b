#include "status/page_html.h"

#include <fmt/format.h>

#include <map>

#include "http/html_escape.h"
#include "status/feeds.h"
#include "status/store.h"

namespace floodgate::status {
namespace {

constexpr char kStyle[] = R"css(
:root{--bg:#f6f7f9;--fg:#1d2330;--muted:#5d6677;--card:#fff;--line:#dde1e8;--none:#c9ced6}
@media (prefers-color-scheme: dark){:root{--bg:#12151b;--fg:#e6e9ef;--muted:#9aa3b2;
--card:#1b2029;--line:#2c3340;--none:#3a414d}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:860px;margin:0 auto;padding:16px}h1{font-size:1.6rem;margin:8px 0 16px}
h2{font-size:1.15rem;margin:28px 0 10px}section.card,.card{background:var(--card);
border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:10px 0}
.banner{color:#fff;border-radius:10px;padding:14px 16px;font-weight:600;font-size:1.1rem}
.row{display:flex;justify-content:space-between;gap:12px;align-items:baseline;flex-wrap:wrap}
.muted{color:var(--muted);font-size:.9rem}.st{font-weight:600}
.bars{display:flex;gap:1px;height:28px;margin:8px 0 2px}.bars span{flex:1;border-radius:1px;
min-width:1px}.timeline{list-style:none;margin:8px 0 0;padding:0}
.timeline li{border-left:3px solid var(--line);padding:2px 0 8px 10px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:10px}
svg.chart{width:100%;height:80px;display:block}svg.chart path{fill:none;stroke-width:2}
form{display:flex;gap:8px;flex-wrap:wrap;align-items:center}select,button{font:inherit;
padding:6px 10px;border-radius:6px;border:1px solid var(--line);background:var(--card);
color:var(--fg)}button{cursor:pointer}a{color:inherit}footer{margin:32px 0 8px}
)css";

// Draws the charts from /api/live.json every 2 s and swaps in fresh status sections as often.
constexpr char kScript[] = R"js(
(function(){
var charts=[["requests","requests","#3b82f6"],["success","succeeded","#2e9e5b"],
["mitigated","mitigated","#e8710a"],["latency","p99_ms","#a855f7"]];
function draw(id,key,color,points){
  var svg=document.getElementById("chart-"+id); if(!svg) return;
  var vals=points.map(function(p){return p[key]||0;}); var max=Math.max.apply(null,vals.concat([1]));
  var w=300,h=80,n=Math.max(vals.length-1,1),d="";
  vals.forEach(function(v,i){d+=(i?"L":"M")+(i*w/n).toFixed(1)+","+(h-2-(v/max)*(h-6)).toFixed(1);});
  var path=svg.querySelector("path"); path.setAttribute("d",d||"M0,78"); path.setAttribute("stroke",color);
  svg.setAttribute("data-drawn",String(vals.length));
  var last=document.getElementById("value-"+id);
  if(last&&vals.length) last.textContent=Math.round(vals[vals.length-1]*10)/10;
}
function charts_(){fetch("api/live.json",{cache:"no-store"}).then(function(r){return r.json();})
  .then(function(j){charts.forEach(function(c){draw(c[0],c[1],c[2],j.points||[]);});})
  .catch(function(){});}
function sections(){fetch("./",{cache:"no-store"}).then(function(r){return r.text();})
  .then(function(t){var doc=new DOMParser().parseFromString(t,"text/html");
    document.querySelectorAll("[data-live]").forEach(function(el){
      var fresh=doc.getElementById(el.id); if(fresh) el.innerHTML=fresh.innerHTML;});})
  .catch(function(){});}
charts_(); setInterval(charts_,2000); setInterval(sections,2000);
})();
)js";

const char* indicatorColor(const std::string& indicator) {
  if (indicator == "none") return "#2e9e5b";
  if (indicator == "minor") return "#d4a017";
  if (indicator == "major") return "#e8710a";
  if (indicator == "critical") return "#d93025";
  return "#3b82f6";
}

std::string dayLabel(int64_t day) { return isoTime(day * kDayMs).substr(0, 10); }

std::string uptimeBars(const ComponentView& v, int64_t today) {
  std::map<int64_t, DayUptime> by_day;
  for (const auto& d : v.days) by_day[d.day] = d;
  std::string bars;
  int64_t minutes = 0;
  double weighted = 0;
  for (int64_t day = today - kUptimeDays + 1; day <= today; ++day) {
    auto it = by_day.find(day);
    if (it == by_day.end() || it->second.minutes == 0) {
      bars += fmt::format("<span style=\"background:var(--none)\" title=\"{}: no data\"></span>",
                          dayLabel(day));
      continue;
    }
    const DayUptime& d = it->second;
    minutes += d.minutes;
    weighted += d.uptime() * d.minutes;
    const char* color = d.major > 0      ? statusColor(ComponentStatus::kMajorOutage)
                        : d.partial > 0  ? statusColor(ComponentStatus::kPartialOutage)
                        : d.degraded > 0 ? statusColor(ComponentStatus::kDegradedPerformance)
                                         : statusColor(ComponentStatus::kOperational);
    bars += fmt::format(
        "<span style=\"background:{}\" title=\"{}: {:.2f}% uptime ({} min major, {} min "
        "partial, {} min degraded)\"></span>",
        color, dayLabel(day), 100 * d.uptime(), d.major, d.partial, d.degraded);
  }
  std::string total =
      minutes == 0 ? "no data yet" : fmt::format("{:.2f}% uptime", 100 * weighted / minutes);
  return fmt::format(
      "<div class=\"bars\" role=\"img\" aria-label=\"uptime over 90 days\">{}</div>"
      "<div class=\"row muted\"><span>90 days ago</span><span>{}</span><span>today</span></div>",
      bars, total);
}

std::string incidentCard(const Incident& i) {
  std::string items;
  for (const auto& u : i.updates) {
    items +=
        fmt::format("<li><span class=\"st\">{}</span> - {} <span class=\"muted\">{}</span></li>",
                    http::escapeHtml(u.status), http::escapeHtml(u.body),
                    http::escapeHtml(isoTime(u.created_at).substr(0, 16) + " UTC"));
  }
  std::string when;
  if (i.maintenance && i.scheduled_for && i.scheduled_until) {
    when = fmt::format("<div class=\"muted\">Scheduled {} to {}</div>",
                       isoTime(*i.scheduled_for).substr(0, 16) + " UTC",
                       isoTime(*i.scheduled_until).substr(0, 16) + " UTC");
  }
  return fmt::format(
      "<article class=\"card incident\" id=\"incident-{0}\" data-status=\"{2}\">"
      "<div class=\"row\"><strong>{1}</strong><span class=\"muted\">{2} · impact {3}</span></div>"
      "{4}<ul class=\"timeline\">{5}</ul></article>",
      http::escapeHtml(i.id), http::escapeHtml(i.name), http::escapeHtml(i.status),
      http::escapeHtml(i.impact), when, items);
}

std::string chartCard(const char* id, const char* title, const char* unit) {
  return fmt::format(
      "<div class=\"card\"><div class=\"row\"><span>{1}</span><span><span id=\"value-{0}\">-"
      "</span> <span class=\"muted\">{2}</span></span></div><svg class=\"chart\" "
      "id=\"chart-{0}\" viewBox=\"0 0 300 80\" preserveAspectRatio=\"none\" role=\"img\" "
      "aria-label=\"{1}\"><path d=\"M0,78\"/></svg></div>",
      id, title, unit);
}

}  // namespace

std::string renderPage(const PageView& v) {
  std::string components;
  std::string options;
  int64_t today = v.now / kDayMs;
  for (const auto& cv : v.components) {
    const Component& c = cv.component;
    components += fmt::format(
        "<div class=\"card component\" id=\"component-{0}\" data-status=\"{3}\">"
        "<div class=\"row\"><strong>{1}</strong><span class=\"st\" style=\"color:{4}\">{5}"
        "</span></div>{2}{6}</div>",
        http::escapeHtml(c.id), http::escapeHtml(c.name),
        c.description.empty()
            ? ""
            : "<div class=\"muted\">" + http::escapeHtml(c.description) + "</div>",
        statusName(c.status), statusColor(c.status), statusLabel(c.status), uptimeBars(cv, today));
    options += fmt::format("<option value=\"{}\">{}</option>", http::escapeHtml(c.id),
                           http::escapeHtml(c.name));
  }
  std::string active;
  for (const auto& i : v.active) active += incidentCard(i);
  if (active.empty()) active = "<p class=\"muted\">No incidents right now.</p>";
  std::string maintenance;
  for (const auto& i : v.maintenance) maintenance += incidentCard(i);
  if (maintenance.empty()) maintenance = "<p class=\"muted\">None scheduled.</p>";
  std::string past;
  for (const auto& i : v.past) past += incidentCard(i);
  if (past.empty()) past = "<p class=\"muted\">No incidents reported.</p>";
  std::string notice =
      v.notice.empty() ? ""
                       : "<p class=\"card\" role=\"status\">" + http::escapeHtml(v.notice) + "</p>";

  return fmt::format(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"color-scheme\" content=\"light dark\">"
      "<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>"
      "<title>{0} status</title>"
      "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Incident history\" "
      "href=\"history.atom\"><style>{1}</style></head><body><main>"
      "<h1>{0} status</h1>{2}"
      "<div id=\"overall\" data-live><div class=\"banner\" style=\"background:{3}\" "
      "data-indicator=\"{4}\">{5}</div></div>"
      "<h2>Active incidents</h2><section id=\"incidents\" data-live>{6}</section>"
      "<h2>Components</h2><section id=\"components\" data-live>{7}</section>"
      "<h2>Live traffic</h2><div class=\"charts\">{8}{9}{10}{11}</div>"
      "<p class=\"muted\">Updated every few seconds; without JavaScript, reload the page.</p>"
      "<h2>Scheduled maintenance</h2><section id=\"maintenance\" data-live>{12}</section>"
      "<h2>Having trouble?</h2><div class=\"card\"><form method=\"post\" action=\"report\">"
      "<label for=\"report-component\">Tell us what is not working:</label>"
      "<select id=\"report-component\" name=\"component\">{13}</select>"
      "<button type=\"submit\">Report a problem</button></form></div>"
      "<h2>Past incidents</h2><section id=\"past\" data-live>{14}</section>"
      "<footer class=\"muted\">Times in UTC. <a href=\"history.atom\">Atom</a> · "
      "<a href=\"history.rss\">RSS</a> · <a href=\"api/v2/summary.json\">JSON</a> · "
      "page updated <span id=\"updated\">{15}</span></footer>"
      "</main><script>{16}</script></body></html>\n",
      http::escapeHtml(v.page.name), kStyle, notice, indicatorColor(v.indicator.indicator),
      http::escapeHtml(v.indicator.indicator), http::escapeHtml(v.indicator.description), active,
      components, chartCard("requests", "Requests", "req/s"),
      chartCard("success", "Legitimate success", "req/s"),
      chartCard("mitigated", "Mitigated traffic", "req/s"),
      chartCard("latency", "Latency (p99)", "ms"), maintenance, options, past,
      isoTime(v.now).substr(0, 19) + "Z", kScript);
}

}  // namespace floodgate::status
