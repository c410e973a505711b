#include "proxy/access_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace floodgate::proxy {

void appendJsonEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xf]);
    } else {
      out->push_back(c);
    }
  }
}

Result<std::unique_ptr<AccessLog>> AccessLog::open(const std::string& target) {
  if (target == "stdout" || target == "-") {
    return std::unique_ptr<AccessLog>(new AccessLog(stdout, false));
  }
  FILE* f = std::fopen(target.c_str(), "a");
  if (f == nullptr) {
    return makeError("cannot open access log " + target + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(f, true));
}

AccessLog::~AccessLog() {
  if (owned_) {
    std::fclose(file_);
  } else {
    std::fflush(file_);
  }
}

void AccessLog::write(const AccessRecord& rec) {
  thread_local std::string line;
  line.clear();
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  line.append("{\"ts_ms\":").append(std::to_string(ms));
  line.append(",\"client\":\"");
  appendJsonEscaped(&line, rec.client_ip);
  line.append("\",\"method\":\"");
  appendJsonEscaped(&line, rec.method);
  line.append("\",\"host\":\"");
  appendJsonEscaped(&line, rec.host);
  line.append("\",\"path\":\"");
  appendJsonEscaped(&line, rec.path);
  line.append("\",\"status\":").append(std::to_string(rec.status));
  line.append(",\"bytes\":").append(std::to_string(rec.body_bytes));
  line.append(",\"request_bytes\":").append(std::to_string(rec.request_body_bytes));
  line.append(",\"duration_ms\":")
      .append(std::to_string(std::chrono::duration<double, std::milli>(rec.duration).count()));
  line.append(",\"upstream\":\"").append(rec.upstream);
  line.append("\",\"request_id\":\"");
  appendJsonEscaped(&line, rec.request_id);
  line.append("\"}\n");
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace floodgate::proxy
