// The status page with real processes: the Statuspage JSON as a widget reads it, an origin
// killed and restarted turning into an incident that opens and resolves by itself, and the
// history surviving a restart of floodgate.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

struct StatusGateway {
  Server gateway;
  uint16_t status_port = 0;
};

std::string tempDatabase() { return writeTempFile("status-db", "") + ".db"; }

std::string statusConfig(uint16_t origin_port, const std::string& database) {
  return "listeners: [{ address: 127.0.0.1:0, workers: 1 }]\n"
         "clusters: [{ name: api, endpoints: [127.0.0.1:" +
         std::to_string(origin_port) +
         "] }]\n"
         "status:\n"
         "  listen: 127.0.0.1:0\n"
         "  title: Acme\n"
         "  database: " +
         database +
         "\n"
         "  worse_after: 2s\n"
         "  better_after: 2s\n"
         "  resolve_after: 3s\n"
         "  components: [{ name: API, description: The public API, clusters: [api] }]\n";
}

StatusGateway startStatusGateway(uint16_t origin_port, const std::string& database) {
  StatusGateway s;
  s.gateway = startGatewayWithConfig(statusConfig(origin_port, database));
  if (!s.gateway.ok()) return s;
  auto m = s.gateway.process->waitForLine(std::regex(R"(status page on http://127\.0\.0\.1:(\d+))"),
                                          seconds(10));
  if (m) s.status_port = static_cast<uint16_t>(std::stoi((*m)[1]));
  return s;
}

nlohmann::json getJson(uint16_t port, const std::string& path) {
  HttpClient client(port);
  auto r = client.get(path);
  if (!r) {
    ADD_FAILURE() << path << ": no answer";
    return {};
  }
  EXPECT_EQ(r->status, 200) << path << ": " << r->body;
  EXPECT_EQ(r->header("Content-Type").rfind("application/json", 0), 0u) << path;
  return parseJson(r->body);
}

const std::regex kIso(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");

void expectTime(const nlohmann::json& j, const char* key) {
  ASSERT_TRUE(j.contains(key)) << key << " missing in " << j.dump();
  ASSERT_TRUE(j[key].is_string()) << key << " in " << j.dump();
  EXPECT_TRUE(std::regex_match(j[key].get<std::string>(), kIso)) << key << ": " << j[key];
}

void expectPage(const nlohmann::json& page, uint16_t port) {
  EXPECT_TRUE(page["id"].is_string() && !page["id"].get<std::string>().empty());
  EXPECT_EQ(page["name"], "Acme");
  EXPECT_EQ(page["url"], "http://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(page["time_zone"], "Etc/UTC");
  expectTime(page, "updated_at");
}

void expectComponent(const nlohmann::json& c, const std::string& page_id) {
  EXPECT_EQ(c.size(), 13u) << c.dump();
  EXPECT_EQ(c["id"], "api");
  EXPECT_EQ(c["name"], "API");
  EXPECT_TRUE(c["status"] == "operational" || c["status"] == "degraded_performance" ||
              c["status"] == "partial_outage" || c["status"] == "major_outage" ||
              c["status"] == "under_maintenance")
      << c["status"];
  expectTime(c, "created_at");
  expectTime(c, "updated_at");
  EXPECT_EQ(c["position"], 1);
  EXPECT_EQ(c["description"], "The public API");
  EXPECT_EQ(c["showcase"], true);
  EXPECT_TRUE(
      std::regex_match(c["start_date"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d)")));
  EXPECT_TRUE(c["group_id"].is_null());
  EXPECT_EQ(c["page_id"], page_id);
  EXPECT_EQ(c["group"], false);
  EXPECT_EQ(c["only_show_if_degraded"], false);
}

void expectIncident(const nlohmann::json& i, const std::string& page_id) {
  for (const char* key : {"id", "name", "status", "impact", "shortlink", "page_id"}) {
    EXPECT_TRUE(i[key].is_string()) << key << " in " << i.dump();
  }
  expectTime(i, "created_at");
  expectTime(i, "updated_at");
  expectTime(i, "started_at");
  EXPECT_TRUE(i["monitoring_at"].is_null() || i["monitoring_at"].is_string());
  EXPECT_TRUE(i["resolved_at"].is_null() || i["resolved_at"].is_string());
  EXPECT_EQ(i["page_id"], page_id);
  EXPECT_EQ(i["shortlink"].get<std::string>().find("/incidents/" + i["id"].get<std::string>()) !=
                std::string::npos,
            true);
  ASSERT_TRUE(i["incident_updates"].is_array());
  ASSERT_FALSE(i["incident_updates"].empty());
  for (const auto& u : i["incident_updates"]) {
    EXPECT_TRUE(u["id"].is_string());
    EXPECT_TRUE(u["status"].is_string());
    EXPECT_TRUE(u["body"].is_string() && !u["body"].get<std::string>().empty());
    EXPECT_EQ(u["incident_id"], i["id"]);
    expectTime(u, "created_at");
    expectTime(u, "updated_at");
    expectTime(u, "display_at");
    ASSERT_TRUE(u["affected_components"].is_array());
    for (const auto& a : u["affected_components"]) {
      for (const char* key : {"code", "name", "old_status", "new_status"}) {
        EXPECT_TRUE(a[key].is_string()) << key;
      }
    }
  }
  ASSERT_TRUE(i["components"].is_array());
  for (const auto& c : i["components"]) expectComponent(c, page_id);
}

std::string apiStatus(uint16_t port) {
  auto j = getJson(port, "/api/v2/components.json");
  return j["components"].empty() ? "" : j["components"][0]["status"].get<std::string>();
}

TEST(StatusPage, KilledOriginIsAnIncidentWithinFiveSecondsAndResolvesWhenItReturns) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto s = startStatusGateway(origin.port, tempDatabase());
  ASSERT_TRUE(s.gateway.ok());
  ASSERT_NE(s.status_port, 0);
  ASSERT_TRUE(pollUntil([&] { return apiStatus(s.status_port) == "operational"; }, seconds(5),
                        milliseconds(200)));

  auto page = getJson(s.status_port, "/api/v2/summary.json");
  expectPage(page["page"], s.status_port);
  std::string page_id = page["page"]["id"];
  ASSERT_EQ(page["components"].size(), 1u);
  expectComponent(page["components"][0], page_id);
  EXPECT_EQ(page["status"]["indicator"], "none");
  EXPECT_EQ(page["status"]["description"], "All Systems Operational");
  EXPECT_TRUE(page["incidents"].empty());

  ASSERT_TRUE(origin.process->signal(SIGKILL));
  auto killed = Clock::now();
  nlohmann::json unresolved;
  ASSERT_TRUE(pollUntil(
      [&] {
        unresolved = getJson(s.status_port, "/api/v2/incidents/unresolved.json");
        return !unresolved["incidents"].empty();
      },
      seconds(5), milliseconds(100)))
      << "no incident within 5 s of the origin's death";
  std::printf("incident opened %lld ms after kill -9 of the origin\n",
              static_cast<long long>(
                  std::chrono::duration_cast<milliseconds>(Clock::now() - killed).count()));
  const auto& incident = unresolved["incidents"][0];
  expectIncident(incident, page_id);
  EXPECT_EQ(incident["name"], "Major outage of API");
  EXPECT_EQ(incident["status"], "investigating");
  EXPECT_EQ(incident["impact"], "critical");
  EXPECT_EQ(incident["incident_updates"][0]["body"],
            "API is unreachable: its endpoint does not accept connections.");
  EXPECT_EQ(apiStatus(s.status_port), "major_outage");
  auto status = getJson(s.status_port, "/api/v2/status.json");
  EXPECT_EQ(status["status"]["indicator"], "critical");
  expectPage(status["page"], s.status_port);

  auto back = Process::start(
      {floodgateBin(), "origin", "--listen", "127.0.0.1:" + std::to_string(origin.port)});
  ASSERT_TRUE(back && back->waitForLine(std::regex("origin listening on"), seconds(10)));
  std::string id = incident["id"];
  nlohmann::json all;
  ASSERT_TRUE(pollUntil(
      [&] {
        all = getJson(s.status_port, "/api/v2/incidents.json");
        return !all["incidents"].empty() && all["incidents"][0]["status"] == "resolved";
      },
      seconds(15), milliseconds(200)));
  const auto& resolved = all["incidents"][0];
  EXPECT_EQ(resolved["id"], id);
  expectIncident(resolved, page_id);
  expectTime(resolved, "monitoring_at");
  expectTime(resolved, "resolved_at");
  std::vector<std::string> timeline;
  for (const auto& u : resolved["incident_updates"]) timeline.push_back(u["status"]);
  EXPECT_EQ(timeline, (std::vector<std::string>{"resolved", "monitoring", "investigating"}));
  EXPECT_EQ(apiStatus(s.status_port), "operational");
  EXPECT_TRUE(getJson(s.status_port, "/api/v2/incidents/unresolved.json")["incidents"].empty());
  auto maintenances = getJson(s.status_port, "/api/v2/scheduled-maintenances.json");
  expectPage(maintenances["page"], s.status_port);
  EXPECT_TRUE(maintenances["scheduled_maintenances"].is_array());
}

TEST(StatusPage, FeedsBadgesAndThePageAreServed) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  auto s = startStatusGateway(origin.port, tempDatabase());
  ASSERT_NE(s.status_port, 0);
  HttpClient client(s.status_port);
  auto html = client.get("/");
  ASSERT_TRUE(html);
  EXPECT_EQ(html->status, 200);
  EXPECT_EQ(html->header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html->body.find("id=\"component-api\""), std::string::npos);
  auto atom = client.get("/history.atom");
  ASSERT_TRUE(atom);
  EXPECT_NE(atom->body.find("<feed xmlns=\"http://www.w3.org/2005/Atom\""), std::string::npos);
  auto rss = client.get("/history.rss");
  ASSERT_TRUE(rss);
  EXPECT_NE(rss->body.find("<rss version=\"2.0\">"), std::string::npos);
  auto badge = client.get("/badge/api.svg");
  ASSERT_TRUE(badge);
  EXPECT_EQ(badge->header("Content-Type"), "image/svg+xml");
  EXPECT_NE(badge->body.find("API: Operational"), std::string::npos);
  auto report = client.request(
      "POST", "/report", {{"Content-Type", "application/x-www-form-urlencoded"}}, "component=api");
  ASSERT_TRUE(report);
  EXPECT_EQ(report->status, 200);
  EXPECT_NE(report->body.find("Thank you for your report about API."), std::string::npos);
  auto write = client.request("DELETE", "/api/v2/summary.json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 405);
}

TEST(StatusPage, HistorySurvivesARestart) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  std::string db = tempDatabase();
  std::string id;
  {
    auto s = startStatusGateway(origin.port, db);
    ASSERT_NE(s.status_port, 0);
    ASSERT_TRUE(origin.process->signal(SIGKILL));
    ASSERT_TRUE(pollUntil(
        [&] {
          auto j = getJson(s.status_port, "/api/v2/incidents/unresolved.json");
          if (j["incidents"].empty()) return false;
          id = j["incidents"][0]["id"];
          return true;
        },
        seconds(5), milliseconds(100)));
    ASSERT_TRUE(s.gateway.process->signal(SIGKILL));
    ASSERT_TRUE(s.gateway.process->waitExit(seconds(5)).has_value());
  }
  auto again = startStatusGateway(origin.port, db);
  ASSERT_NE(again.status_port, 0);
  auto j = getJson(again.status_port, "/api/v2/incidents/unresolved.json");
  ASSERT_EQ(j["incidents"].size(), 1u);
  EXPECT_EQ(j["incidents"][0]["id"], id);
  EXPECT_EQ(apiStatus(again.status_port), "major_outage");  // still down: no false all-clear
}

}  // namespace
}  // namespace floodgate::integration
