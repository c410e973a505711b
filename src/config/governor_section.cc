#include "config/governor_section.h"

#include <charconv>

#include "config/messages.h"
#include "config/shield_section.h"
#include "shield/ip_prefix.h"

namespace floodgate::config {
namespace {

const std::vector<std::string> kGovernorKeys = {
    "dry_run",         "max_collateral", "refuse_collateral", "shadow_window",
    "canary_fraction", "canary_window",  "effect_window",     "hold",
    "relax_steps",     "relax_step",     "reengage_within",   "max_rules",
    "rules"};
const std::vector<std::string> kRuleKeys = {"name",   "source",       "path_prefix", "method",
                                            "header", "header_value", "action",      "rate",
                                            "burst",  "pinned",       "reason",      "ttl"};

bool readBool(Fields& f, std::string_view key, bool* out) {
  if (!f.has(key)) return false;
  if (!YAML::convert<bool>::decode(f.get(key), *out)) {
    f.add(f.where(key), f.subject(key) + " must be true or false");
    return false;
  }
  return true;
}

// "1%", "0.5%" or a plain fraction "0.01", within [min, max] (as fractions).
bool readShare(Fields& f, std::string_view key, double* out, double min, double max) {
  std::string text;
  if (!f.text(key, &text)) return false;
  bool percent = !text.empty() && text.back() == '%';
  std::string_view number(text.data(), text.size() - (percent ? 1 : 0));
  double value = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (percent) value /= 100;
  if (ec != std::errc() || p != number.data() + number.size() || value < min || value > max) {
    f.add(f.where(key), f.subject(key) + " " + quoted(text) + " must be a share between " +
                            std::to_string(static_cast<int>(min * 100)) + "% and " +
                            std::to_string(static_cast<int>(max * 100)) +
                            "%, written as 1% or 0.01");
    return false;
  }
  *out = value;
  return true;
}

void readRule(const YAML::Node& item, size_t index, Governor* g, ProblemList& problems) {
  OperatorRuleConfig named;
  named.name = "rule-" + std::to_string(index);
  governor::OperatorRuleSpec& rule = named.spec;
  if (!expectMap(item, "governor.rules[" + std::to_string(index) + "]",
                 "- { source: 203.0.113.0/24, action: block, reason: scraper }", problems)) {
    return;
  }
  Fields f(item, "governor rule " + quoted(named.name), Fields::Style::kItem, problems);
  if (f.text("name", &named.name)) f.rename("governor rule " + quoted(named.name));
  f.allowOnly(kRuleKeys);
  size_t before = problems.size();
  if (f.text("source", &rule.source)) {
    auto parsed = shield::IpPrefix::parse(rule.source);
    if (!parsed) f.add(f.where("source"), f.subject("source") + ": " + parsed.error());
  }
  f.text("path_prefix", &rule.path_prefix);
  f.text("method", &rule.method);
  f.text("header", &rule.header);
  f.text("header_value", &rule.header_value);
  if (!rule.header_value.empty() && rule.header.empty()) {
    f.add(f.where("header_value"), f.subject("header_value") + " needs header: (its name)");
  }
  if (rule.source.empty() && rule.path_prefix.empty() && rule.method.empty() &&
      rule.header.empty() && problems.size() == before) {
    f.add(f.where(), f.name() +
                         " has no condition and would match every request; give it a "
                         "source, path_prefix, method or header");
  }
  if (f.text("action", &rule.action) && rule.action != "block" && rule.action != "rate_limit" &&
      rule.action != "challenge" && rule.action != "deprioritise") {
    f.add(f.where("action"), f.subject("action") + " " + quoted(rule.action) +
                                 " is not an action; use block, rate_limit, challenge or "
                                 "deprioritise");
  }
  std::string rate;
  if (f.text("rate", &rate) && (!parseRequestRate(rate, &rule.rate) || rule.rate <= 0)) {
    f.add(f.where("rate"),
          f.subject("rate") + " " + quoted(rate) + " is not a rate; write e.g. 20, 20/s or 600/m");
  } else if ((rule.action == "rate_limit" || rule.action == "challenge") && rule.rate <= 0) {
    f.add(f.where("action"), f.name() + ": a " + rule.action + " rule needs rate: (e.g. 20/s)");
  }
  int burst = 0;
  if (f.integer("burst", &burst, 1, 1 << 30)) rule.burst = burst;
  readBool(f, "pinned", &rule.pinned);
  f.text("reason", &rule.reason);
  f.duration("ttl", &rule.ttl);
  g->rules.push_back(std::move(named));
}

}  // namespace

void readGovernorSection(Fields& top, Config* config, ProblemList& problems) {
  YAML::Node node = top.get("governor");
  if (!node.IsDefined() || node.IsNull()) return;
  if (!expectMap(node, "governor", "governor: { max_collateral: 1%, hold: 30s }", problems)) {
    return;
  }
  Fields f(node, "governor", Fields::Style::kSection, problems);
  f.allowOnly(kGovernorKeys);
  governor::GovernorConfig& g = config->governor.knobs;
  readBool(f, "dry_run", &g.dry_run);
  readShare(f, "max_collateral", &g.max_collateral, 0, 1);
  readShare(f, "refuse_collateral", &g.refuse_collateral, 0, 1);
  if (g.refuse_collateral < g.max_collateral) {
    f.add(f.where("refuse_collateral"),
          "governor.refuse_collateral must not be below max_collateral (a rule between the two "
          "is narrowed, above refuse_collateral refused)");
  }
  f.duration("shadow_window", &g.shadow_window);
  readShare(f, "canary_fraction", &g.canary_fraction, 0.001, 1);
  f.duration("canary_window", &g.canary_window);
  f.duration("effect_window", &g.effect_window);
  f.duration("hold", &g.hold);
  f.integer("relax_steps", &g.relax_steps, 1, 20);
  f.duration("relax_step", &g.relax_step);
  f.duration("reengage_within", &g.reengage_within);
  int max_rules = static_cast<int>(g.max_rules);
  if (f.integer("max_rules", &max_rules, 1, 256)) g.max_rules = static_cast<size_t>(max_rules);
  if (f.has("rules")) {
    YAML::Node list = f.get("rules");
    if (expectList(list, "governor.rules", "rules: [{ source: 203.0.113.0/24, action: block }]",
                   problems)) {
      for (size_t i = 0; i < list.size(); ++i) {
        readRule(list[i], i, &config->governor, problems);
      }
    }
  }
}

}  // namespace floodgate::config
