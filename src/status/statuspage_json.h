// The Statuspage-compatible JSON (Atlassian's public API v2, same paths and field names), so
// widgets and monitors written for Statuspage read floodgate's page unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "status/model.h"

namespace floodgate::status {

struct PageInfo {
  std::string id;    // stable per page
  std::string name;  // the page's title
  std::string url;   // where it is served, "http://127.0.0.1:8081"
  int64_t updated_at = 0;
};

// "2014-05-03T01:22:07.274Z"
std::string isoTime(int64_t unix_ms);

// The overall indicator (none, minor, major, critical, maintenance) from the components and
// the unresolved incidents, with Statuspage's descriptions ("All Systems Operational", ...).
struct Indicator {
  std::string indicator;
  std::string description;
};
Indicator overallIndicator(const std::vector<Component>& components,
                           const std::vector<Incident>& unresolved);

nlohmann::json pageJson(const PageInfo& page);
nlohmann::json componentJson(const Component& c, const PageInfo& page);
nlohmann::json incidentJson(const Incident& i, const std::vector<Component>& components,
                            const PageInfo& page);
nlohmann::json incidentsJson(const std::vector<Incident>& list,
                             const std::vector<Component>& components, const PageInfo& page);

}  // namespace floodgate::status
