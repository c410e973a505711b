// Escaping for text put into HTML and XML (the page, the feeds, the badges).
#pragma once

#include <string>
#include <string_view>

namespace floodgate::status {

std::string escapeHtml(std::string_view text);  // & < > " ' → entities

}  // namespace floodgate::status
