#include "http/status.h"

#include <ctime>

namespace floodgate::http {

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 200 ? "Informational" : status < 300 ? "Success"
                  : status < 400 ? "Redirection" : status < 500 ? "Client Error" : "Server Error";
  }
}

std::string_view httpDate() {
  thread_local time_t cached_second = 0;
  thread_local char text[40];
  thread_local size_t len = 0;
  time_t now = time(nullptr);
  if (now != cached_second) {
    tm parts;
    gmtime_r(&now, &parts);
    len = strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached_second = now;
  }
  return {text, len};
}

void appendDecimal(Buffer* out, uint64_t n) {
  char digits[24];
  int i = sizeof(digits);
  do {
    digits[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out->append(digits + i, sizeof(digits) - i);
}

void appendSimpleResponse(Buffer* out, int status, std::string_view body, bool keep_alive,
                          std::string_view extra_headers, bool head_only,
                          std::string_view content_type) {
  out->append("HTTP/1.1 ");
  appendDecimal(out, static_cast<uint64_t>(status));
  out->append(' ');
  out->append(reasonPhrase(status));
  out->append("\r\nDate: ");
  out->append(httpDate());
  out->append("\r\nServer: floodgate\r\n");
  if (!body.empty() || status >= 200) {
    if (status != 204 && status != 304 && status >= 200) {
      out->append("Content-Type: ");
      out->append(content_type);
      out->append("\r\nContent-Length: ");
      appendDecimal(out, body.size());
      out->append("\r\n");
    }
  }
  out->append(extra_headers);
  out->append(keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
  if (!head_only && status != 204 && status != 304) out->append(body);
}

}  // namespace floodgate::http
