// AccessLog: one JSON object per request, one line each, to stdout or a file. Off by default.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace floodgate::proxy {

struct AccessRecord {
  std::string_view client_ip, method, host, path, request_id;
  std::string upstream;
  int status = 0;
  uint64_t body_bytes = 0;
  uint64_t request_body_bytes = 0;
  Duration duration{};
};

class AccessLog {
 public:
  // `target`: "stdout" or "-" for standard output, else a file path (appended to).
  static Result<std::unique_ptr<AccessLog>> open(const std::string& target);
  ~AccessLog();
  void write(const AccessRecord& rec);

 private:
  explicit AccessLog(FILE* file, bool owned) : file_(file), owned_(owned) {}
  std::mutex mu_;
  FILE* file_;
  bool owned_;
};

// Appends `s` to `out` as the body of a JSON string (quotes, backslashes and controls escaped).
void appendJsonEscaped(std::string* out, std::string_view s);

}  // namespace floodgate::proxy
