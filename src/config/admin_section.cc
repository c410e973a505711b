#include "config/admin_section.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>

#include "config/addresses.h"
#include "config/messages.h"

namespace floodgate::config {
namespace {

const std::vector<std::string> kAdminKeys = {"listen", "token", "token_env"};

}  // namespace

bool isLoopback(const SocketAddress& address) {
  if (address.family() == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(address.sockaddrPtr());
    return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
  }
  if (address.family() == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address.sockaddrPtr());
    return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
  }
  return false;
}

std::string adminListenProblem(std::string_view text, std::string_view token, SocketAddress* out) {
  auto address = parseListenAddress(text);
  if (!address) return address.error();
  *out = *address;
  if (token.empty() && !isLoopback(*address)) {
    return "the admin API on a non-loopback address needs a token (admin.token, admin.token_env "
           "or $FLOODGATE_ADMIN_TOKEN); or listen on 127.0.0.1";
  }
  return "";
}

void readAdminSection(Fields& top, Config* config, ProblemList& problems) {
  YAML::Node node = top.get("admin");
  if (!node.IsDefined() || node.IsNull()) return;
  if (!expectMap(node, "admin", "admin: { listen: 127.0.0.1:9901, token_env: ADMIN_TOKEN }",
                 problems)) {
    return;
  }
  Fields f(node, "admin", Fields::Style::kSection, problems);
  f.allowOnly(kAdminKeys);
  Admin& a = config->admin;
  a.enabled = true;
  a.listen_text = "127.0.0.1:9901";
  f.text("listen", &a.listen_text);
  bool has_token = f.text("token", &a.token);
  std::string env;
  if (f.text("token_env", &env)) {
    if (has_token) {
      f.add(f.keyWhere("token_env"), "admin: give token or token_env, not both");
    } else if (const char* value = std::getenv(env.c_str()); value == nullptr || *value == 0) {
      f.add(f.where("token_env"),
            "admin.token_env: the environment variable " + quoted(env) + " is not set (or empty)");
      return;
    } else {
      a.token = value;
    }
  }
  if (has_token && a.token.empty()) {
    f.add(f.where("token"), "admin.token is empty; remove it or give a token");
    return;
  }
  if (std::string why = adminListenProblem(a.listen_text, a.token, &a.listen); !why.empty()) {
    f.add(f.has("listen") ? f.where("listen") : f.where(),
          "admin.listen " + quoted(a.listen_text) + ": " + why);
  }
}

}  // namespace floodgate::config
