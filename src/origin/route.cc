#include "origin/route.h"

#include <charconv>

#include "http/chars.h"

namespace floodgate::origin {
namespace {

constexpr std::string_view kControlPrefix = "/__origin/";

bool parseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query value into `out` ("%3A" -> ":", "+" stays "+").
void percentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = hexDigit(in[i + 1]), lo = hexDigit(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out->push_back(in[i]);
  }
}

bool isOn(std::string_view value) { return value == "1" || value == "true" || value == "yes"; }

void badRequest(Route* route, const char* problem) {
  route->endpoint = Endpoint::kBadRequest;
  route->problem = problem;
}

}  // namespace

std::string_view queryParam(std::string_view query, std::string_view name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view("1") : pair.substr(eq + 1);
    }
    pos = amp + 1;
  }
  return {};
}

void matchRoute(http::Method method, std::string_view target, Route* route) {
  route->endpoint = Endpoint::kApplication;
  route->number = 0;
  route->chunked = false;
  route->summary = false;
  route->prefix.clear();
  route->problem = "";
  if (target.substr(0, kControlPrefix.size()) != kControlPrefix) return;

  size_t qmark = target.find('?');
  std::string_view path = target.substr(0, qmark).substr(kControlPrefix.size());
  std::string_view query =
      qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  size_t slash = path.find('/');
  std::string_view name = path.substr(0, slash);
  bool has_arg = slash != std::string_view::npos;
  std::string_view arg = has_arg ? path.substr(slash + 1) : std::string_view();
  bool reads = method == http::Method::kGet || method == http::Method::kHead;

  if (name == "stats" && !has_arg) {
    if (!reads) {
      route->endpoint = Endpoint::kMethodNotAllowed;
      return;
    }
    route->endpoint = Endpoint::kStats;
    route->summary = isOn(queryParam(query, "summary"));
    percentDecode(queryParam(query, "prefix"), &route->prefix);
  } else if (name == "reset" && !has_arg) {
    route->endpoint =
        method == http::Method::kPost ? Endpoint::kReset : Endpoint::kMethodNotAllowed;
  } else if (name == "status" && has_arg) {
    if (!parseNumber(arg, &route->number) || route->number < 200 || route->number > 599) {
      return badRequest(route, "status must be a number from 200 to 599");
    }
    route->endpoint = Endpoint::kStatus;
  } else if (name == "delay" && has_arg) {
    if (!parseNumber(arg, &route->number) || route->number > kMaxDelayMs) {
      return badRequest(route, "delay must be a number of milliseconds, at most 86400000");
    }
    route->endpoint = Endpoint::kDelay;
  } else if (name == "latency" && has_arg) {
    if (method != http::Method::kPost) {
      route->endpoint = Endpoint::kMethodNotAllowed;
      return;
    }
    if (!parseNumber(arg, &route->number) || route->number > kMaxDelayMs) {
      return badRequest(route, "latency must be a number of milliseconds, at most 86400000");
    }
    route->endpoint = Endpoint::kLatency;
  } else if (name == "bytes" && has_arg) {
    if (!parseNumber(arg, &route->number) || route->number > kMaxStreamBytes) {
      return badRequest(route, "bytes must be a number from 0 to 1099511627776 (1 TiB)");
    }
    route->endpoint = Endpoint::kBytes;
    route->chunked = isOn(queryParam(query, "chunked"));
  } else if (name == "upload" && !has_arg) {
    bool writes = method == http::Method::kPost || method == http::Method::kPut;
    route->endpoint = writes ? Endpoint::kUpload : Endpoint::kMethodNotAllowed;
  } else if (name == "echo" && !has_arg) {
    route->endpoint = Endpoint::kEcho;
  } else {
    route->endpoint = Endpoint::kNotFound;
  }
}

std::string_view lastForwardedFor(const http::RequestHead& head) {
  std::string_view last;
  for (const auto& h : head.headers) {
    if (h.name.size() == 15 && http::equalsIgnoreCase(h.name, "x-forwarded-for")) last = h.value;
  }
  if (last.empty()) return {};
  size_t comma = last.rfind(',');
  return http::trimOws(comma == std::string_view::npos ? last : last.substr(comma + 1));
}

}  // namespace floodgate::origin
