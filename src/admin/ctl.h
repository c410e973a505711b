// `floodgate ctl`: calls the admin API from a shell and prints the answer.
#pragma once

#include <string>

namespace floodgate::admin {

struct CtlOptions {
  std::string admin = "127.0.0.1:9901";
  std::string token;  // default: $FLOODGATE_ADMIN_TOKEN
  std::string method;
  std::string path;
  std::string body;  // JSON, sent as is
  // `floodgate ctl why --request-id ID` / `--client ADDRESS`: GET /api/v1/why for it.
  std::string request_id;
  std::string client;
};

// Named calls, resolved before the generic METHOD PATH form:
//   upstreams                  GET /api/v1/upstreams
//   drain-endpoint ADDRESS     POST /api/v1/upstreams/drain {"endpoint": ADDRESS}
//   undrain-endpoint ADDRESS   the same with "drain": false
// False (with a message on stderr) when a named call lacks its argument.
bool resolveNamedCall(CtlOptions* options);

// Exit code: 0 for a 2xx answer, 1 for any other answer or a failed call, 2 for bad arguments.
int runCtl(const CtlOptions& options);

}  // namespace floodgate::admin
