// The public status page as one HTML document rendered on the server: readable without
// JavaScript, sized for phones, dark when the reader's system is. A small inline script draws
// the live charts from /api/live.json and refreshes the status sections; nothing is loaded
// from anywhere else.
#pragma once

#include <string>
#include <vector>

#include "status/model.h"
#include "status/statuspage_json.h"

namespace floodgate::status {

struct ComponentView {
  Component component;
  std::vector<DayUptime> days;  // any subset of the last 90 days, oldest first
};

struct PageView {
  PageInfo page;
  Indicator indicator;
  int64_t now = 0;  // Unix ms
  std::vector<ComponentView> components;
  std::vector<Incident> active;       // unresolved incidents
  std::vector<Incident> maintenance;  // scheduled or in progress
  std::vector<Incident> past;         // resolved, newest first
  std::string notice;                 // e.g. "Thank you for your report."
};

std::string renderPage(const PageView& view);

}  // namespace floodgate::status
