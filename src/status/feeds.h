// The incident history as Atom and RSS feeds, and a status badge per component as SVG.
#pragma once

#include <string>
#include <vector>

#include "status/model.h"
#include "status/statuspage_json.h"

namespace floodgate::status {

std::string atomFeed(const PageInfo& page, const std::vector<Incident>& incidents);
std::string rssFeed(const PageInfo& page, const std::vector<Incident>& incidents);
// A shields-style badge: "API | operational", coloured by status.
std::string badgeSvg(const Component& component);
// The colour the page and the badges use for a status.
const char* statusColor(ComponentStatus s);

}  // namespace floodgate::status
