// Escaping for text put into HTML, SVG and XML (the status page, its feeds, the storm's charts).
#pragma once

#include <string>
#include <string_view>

namespace floodgate::http {

std::string escapeHtml(std::string_view text);  // & < > " ' → entities

}  // namespace floodgate::http
