#include "config/addresses.h"

#include "config/messages.h"

namespace floodgate::config {
namespace {

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// SocketAddress's errors start with the quoted address; our callers name it themselves.
std::string reasonOnly(std::string_view text, const std::string& error) {
  std::string prefix = "\"" + std::string(text) + "\"";
  if (error.rfind(prefix, 0) != 0) return error;
  size_t start = prefix.size();
  while (start < error.size() && (error[start] == ':' || error[start] == ' ')) ++start;
  return error.substr(start);
}

// Mistakes worth a sharper message than the generic parse error, or "" when none applies.
std::string commonMistake(std::string_view text, std::string_view example_host) {
  size_t scheme = text.find("://");
  if (scheme != std::string_view::npos) {
    return "write host:port without a scheme (e.g. " + std::string(example_host) +
           ":8080); floodgate speaks plain HTTP";
  }
  if (allDigits(text)) {
    return "needs a host as well as the port (e.g. " + std::string(example_host) + ":" +
           std::string(text) + ")";
  }
  if (text.find('/') != std::string_view::npos) {
    return "write host:port only, without a path (e.g. " + std::string(example_host) + ":8080)";
  }
  return "";
}

}  // namespace

Result<SocketAddress> parseListenAddress(std::string_view text) {
  if (auto mistake = commonMistake(text, "0.0.0.0"); !mistake.empty()) return makeError(mistake);
  auto parsed = SocketAddress::parse(text);
  if (parsed) return parsed;
  std::string reason = reasonOnly(text, parsed.error());
  if (reason.find("is not a numeric") != std::string::npos) {
    reason += "; listen on an IP address, e.g. 0.0.0.0:8080 (every interface) or 127.0.0.1:8080";
  }
  return makeError(reason);
}

Result<SocketAddress> resolveEndpoint(std::string_view text) {
  if (auto mistake = commonMistake(text, "127.0.0.1"); !mistake.empty()) {
    return makeError(mistake);
  }
  auto resolved = SocketAddress::resolve(text);
  if (!resolved) return makeError(reasonOnly(text, resolved.error()));
  if (resolved->port() == 0) return makeError("port must be from 1 to 65535, not 0");
  return resolved;
}

std::string describeAddressProblem(std::string_view label, std::string_view text,
                                   const std::string& reason) {
  // "needs a port" reads as a sentence after the address; anything else follows a colon.
  bool sentence = reason.rfind("needs ", 0) == 0;
  return std::string(label) + " " + quoted(text) + (sentence ? " " : ": ") + reason;
}

}  // namespace floodgate::config
