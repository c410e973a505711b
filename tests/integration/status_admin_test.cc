// The status page's admin calls end to end: refused without the token, bad input refused with
// nothing changed, and a kill -9 of floodgate in the middle of a stream of incident updates
// losing none of the updates it acknowledged.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

constexpr char kToken[] = "st4tus-t0ken";

struct StatusAdmin {
  Server gateway;
  uint16_t admin_port = 0;
  uint16_t status_port = 0;
};

StatusAdmin start(uint16_t origin_port, const std::string& database) {
  StatusAdmin s;
  s.gateway = startGatewayWithConfig(
      "listeners: [{ address: 127.0.0.1:0, workers: 1 }]\n"
      "clusters: [{ name: api, endpoints: [127.0.0.1:" +
      std::to_string(origin_port) +
      "] }]\n"
      "admin: { listen: 127.0.0.1:0, token: " +
      kToken +
      " }\n"
      "status:\n  listen: 127.0.0.1:0\n  database: " +
      database +
      "\n"
      "  components: [{ name: API, clusters: [api] }]\n");
  if (!s.gateway.ok()) return s;
  auto a =
      s.gateway.process->waitForLine(std::regex(R"(admin API on 127\.0\.0\.1:(\d+))"), seconds(10));
  auto p = s.gateway.process->waitForLine(std::regex(R"(status page on http://127\.0\.0\.1:(\d+))"),
                                          seconds(10));
  if (a) s.admin_port = static_cast<uint16_t>(std::stoi((*a)[1]));
  if (p) s.status_port = static_cast<uint16_t>(std::stoi((*p)[1]));
  return s;
}

std::optional<Response> call(uint16_t port, std::string_view method, std::string_view target,
                             std::string_view body = "", std::string_view token = kToken) {
  HttpClient c(port, seconds(5));
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) headers.push_back({"Authorization", "Bearer " + std::string(token)});
  return c.request(method, target, headers, body);
}

TEST(StatusAdmin, RefusedWithoutTheToken) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto s = start(origin.port, writeTempFile("db", "") + ".db");
  ASSERT_NE(s.admin_port, 0);
  const std::string create = R"({"name":"Sneaky","body":"not allowed"})";
  auto none = call(s.admin_port, "POST", "/api/v1/status/incidents", create, "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = call(s.admin_port, "POST", "/api/v1/status/incidents", create, "st4tus-t0kem");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto list = call(s.admin_port, "GET", "/api/v1/status/incidents");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_TRUE(parseJson(list->body)["incidents"].empty());
  // The public listener does not take admin calls at all.
  HttpClient pub(s.status_port);
  auto r = pub.request("POST", "/api/v1/status/incidents",
                       {{"Authorization", std::string("Bearer ") + kToken}}, create);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
}

TEST(StatusAdmin, BadInputIsRefusedAndNothingChanges) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto s = start(origin.port, writeTempFile("db", "") + ".db");
  ASSERT_NE(s.admin_port, 0);
  auto ok = call(s.admin_port, "POST", "/api/v1/status/incidents",
                 R"({"name":"Slow API","body":"Looking.","components":["api"]})");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 201) << ok->body;
  std::string id = parseJson(ok->body)["id"];
  auto before = call(s.status_port, "GET", "/api/v2/incidents.json", "", "");
  ASSERT_TRUE(before);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/api/v1/status/incidents", "{"},
      {"/api/v1/status/incidents", R"({"name":"x"})"},
      {"/api/v1/status/incidents", R"({"name":"x","body":"y","status":"on fire"})"},
      {"/api/v1/status/incidents", R"({"name":"x","body":"y","components":["db"]})"},
      {"/api/v1/status/incidents", R"({"name":"x","body":"y","extra":1})"},
      {"/api/v1/status/incidents/" + id + "/updates", R"({"status":"scheduled","body":"y"})"},
      {"/api/v1/status/incidents/" + id + "/updates", R"({"status":"resolved"})"},
      {"/api/v1/status/incidents/" + id + "/updates", R"({"status":"resolved","body":5})"},
      {"/api/v1/status/maintenances", R"({"name":"m","body":"b","scheduled_for":"soon",)"
                                      R"("scheduled_until":"2031-01-01T00:00:00Z"})"},
  };
  for (const auto& [path, body] : bad) {
    auto r = call(s.admin_port, "POST", path, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << path << " " << body << " -> " << r->body;
    EXPECT_TRUE(parseJson(r->body).contains("error")) << r->body;
  }
  auto missing = call(s.admin_port, "POST", "/api/v1/status/incidents/nope/updates",
                      R"({"status":"resolved","body":"x"})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto after = call(s.status_port, "GET", "/api/v2/incidents.json", "", "");
  ASSERT_TRUE(after);
  auto b = parseJson(before->body), a = parseJson(after->body);
  EXPECT_EQ(a["incidents"], b["incidents"]);  // not one field changed
  auto maintenances = call(s.status_port, "GET", "/api/v2/scheduled-maintenances.json", "", "");
  ASSERT_TRUE(maintenances);
  EXPECT_TRUE(parseJson(maintenances->body)["scheduled_maintenances"].empty());
}

TEST(StatusAdmin, TheEnginesDecisionsAreInTheEventLog) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto s = start(origin.port, writeTempFile("db", "") + ".db");
  ASSERT_NE(s.admin_port, 0);
  ASSERT_TRUE(origin.process->signal(SIGKILL));
  std::vector<std::string> messages;
  ASSERT_TRUE(pollUntil(
      [&] {
        auto r = call(s.admin_port, "GET", "/api/v1/events?kind=status");
        if (!r || r->status != 200) return false;
        messages.clear();
        nlohmann::json answer = parseJson(r->body);
        for (const auto& e : answer["events"]) messages.push_back(e["message"].get<std::string>());
        return messages.size() >= 2;
      },
      seconds(10), milliseconds(200)));
  EXPECT_EQ(messages[0], "API: operational -> major_outage");
  EXPECT_EQ(messages[1].rfind("opened: Major outage of API. API is unreachable", 0), 0u)
      << messages[1];
}

TEST(StatusAdmin, KillNineLosesNoAcknowledgedUpdate) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  std::string db = writeTempFile("db", "") + ".db";
  auto s = start(origin.port, db);
  ASSERT_NE(s.admin_port, 0);
  auto created = call(s.admin_port, "POST", "/api/v1/status/incidents",
                      R"({"name":"Stream","body":"update 0","components":["api"]})");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201);
  std::string id = parseJson(created->body)["id"];

  std::atomic<int> acknowledged{0};
  std::set<std::string> acked_bodies;
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::thread poster([&] {
    HttpClient c(s.admin_port, seconds(2));
    for (int n = 1; n < 100000 && !stop; ++n) {
      std::string body = "update " + std::to_string(n);
      auto r = c.request("POST", "/api/v1/status/incidents/" + id + "/updates",
                         {{"Content-Type", "application/json"},
                          {"Authorization", std::string("Bearer ") + kToken}},
                         nlohmann::json({{"status", "identified"}, {"body", body}}).dump());
      if (!r || r->status != 200) break;  // the process is gone: no acknowledgement
      std::lock_guard<std::mutex> lock(mu);
      acked_bodies.insert(body);
      ++acknowledged;
    }
  });
  bool enough = pollUntil([&] { return acknowledged >= 40; }, seconds(30));
  ASSERT_TRUE(s.gateway.process->signal(SIGKILL));  // in the middle of the stream
  stop = true;
  poster.join();
  ASSERT_TRUE(enough);
  ASSERT_TRUE(s.gateway.process->waitExit(seconds(5)).has_value());
  std::printf("%d updates acknowledged before kill -9\n", acknowledged.load());

  auto again = start(origin.port, db);
  ASSERT_NE(again.admin_port, 0);
  auto r = call(again.admin_port, "GET", "/api/v1/status/incidents/" + id);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  std::set<std::string> stored;
  nlohmann::json incident = parseJson(r->body);
  for (const auto& u : incident["incident_updates"]) stored.insert(u["body"].get<std::string>());
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& body : acked_bodies) EXPECT_TRUE(stored.count(body)) << body << " was lost";
  EXPECT_TRUE(stored.count("update 0"));
  EXPECT_GE(stored.size(), acked_bodies.size() + 1);
}

}  // namespace
}  // namespace floodgate::integration
