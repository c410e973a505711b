#include "status/service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace floodgate::status {
namespace {

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    ServiceOptions o;
    o.title = "Acme";
    o.database = ":memory:";
    o.page_url = "http://127.0.0.1:8081";
    o.engine.worse_after = 2;
    o.engine.better_after = 2;
    o.engine.resolve_after = 2;
    o.reports_per_client_per_hour = 3;
    o.components = {{"api", "API", "The public API"}, {"web", "Website", ""}};
    auto s = StatusService::open(o, clock_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
    service_ = std::move(*s);
    public_ = service_->publicHandler();
    admin_ = service_->adminHandler();
  }

  web::Response get(const std::string& path) {
    web::Request r;
    r.method = "GET";
    r.path = path;
    r.peer = "127.0.0.1";
    return public_(r);
  }
  nlohmann::json getJson(const std::string& path) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    EXPECT_EQ(r.content_type.rfind("application/json", 0), 0u) << r.content_type;
    return nlohmann::json::parse(r.body);
  }
  web::Response admin(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    web::Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = {{"content-type", "application/json"}};
    return admin_(r);
  }
  web::Response reportFrom(const std::string& peer, const std::string& body) {
    web::Request r;
    r.method = "POST";
    r.path = "/report";
    r.peer = peer;
    r.body = body;
    r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    return public_(r);
  }
  void seconds(int n, Signals api) {
    for (int i = 0; i < n; ++i) {
      clock_.advance(std::chrono::seconds(1));
      service_->observe({{"api", api}, {"web", Signals{1, 1, 10, 0, 5}}},
                        TrafficSample{100, 90, 10, 25});
    }
  }

  ManualClock clock_;
  std::unique_ptr<StatusService> service_;
  web::Handler public_;
  web::Handler admin_;
};

const std::regex kIso(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");

void expectComponentFields(const nlohmann::json& c) {
  for (const char* key :
       {"id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
        "start_date", "group_id", "page_id", "group", "only_show_if_degraded"}) {
    EXPECT_TRUE(c.contains(key)) << key << " in " << c.dump();
  }
  EXPECT_TRUE(std::regex_match(c["created_at"].get<std::string>(), kIso));
  EXPECT_TRUE(c["position"].is_number_integer());
  EXPECT_TRUE(c["group"].is_boolean());
}

TEST_F(ServiceTest, SummaryHasStatuspagesFieldsWhileAllIsWell) {
  seconds(3, Signals{1, 1, 10, 0, 5});
  auto j = getJson("/api/v2/summary.json");
  for (const char* key : {"id", "name", "url", "time_zone", "updated_at"}) {
    EXPECT_TRUE(j["page"].contains(key)) << key;
  }
  EXPECT_EQ(j["page"]["name"], "Acme");
  EXPECT_EQ(j["page"]["url"], "http://127.0.0.1:8081");
  EXPECT_EQ(j["status"]["indicator"], "none");
  EXPECT_EQ(j["status"]["description"], "All Systems Operational");
  ASSERT_EQ(j["components"].size(), 2u);
  expectComponentFields(j["components"][0]);
  EXPECT_EQ(j["components"][0]["id"], "api");
  EXPECT_EQ(j["components"][0]["status"], "operational");
  EXPECT_EQ(j["components"][0]["position"], 1);
  EXPECT_EQ(j["components"][0]["description"], "The public API");
  EXPECT_TRUE(j["components"][1]["description"].is_null());
  EXPECT_EQ(j["components"][0]["page_id"], j["page"]["id"]);
  EXPECT_TRUE(j["incidents"].empty());
  EXPECT_TRUE(j["scheduled_maintenances"].empty());
}

TEST_F(ServiceTest, AnOutageShowsInEveryView) {
  seconds(2, Signals{0, 1, 0, 0, 0});
  auto status = getJson("/api/v2/status.json");
  EXPECT_EQ(status["status"]["indicator"], "critical");
  auto comps = getJson("/api/v2/components.json");
  EXPECT_EQ(comps["components"][0]["status"], "major_outage");
  auto unresolved = getJson("/api/v2/incidents/unresolved.json");
  ASSERT_EQ(unresolved["incidents"].size(), 1u);
  const auto& i = unresolved["incidents"][0];
  for (const char* key :
       {"id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
        "impact", "shortlink", "started_at", "page_id", "incident_updates", "components"}) {
    EXPECT_TRUE(i.contains(key)) << key;
  }
  EXPECT_EQ(i["status"], "investigating");
  EXPECT_EQ(i["impact"], "critical");
  EXPECT_TRUE(i["resolved_at"].is_null());
  EXPECT_EQ(i["shortlink"], "http://127.0.0.1:8081/incidents/" + i["id"].get<std::string>());
  ASSERT_EQ(i["incident_updates"].size(), 1u);
  const auto& u = i["incident_updates"][0];
  for (const char* key : {"id", "status", "body", "incident_id", "created_at", "updated_at",
                          "display_at", "affected_components"}) {
    EXPECT_TRUE(u.contains(key)) << key;
  }
  EXPECT_EQ(u["incident_id"], i["id"]);
  EXPECT_EQ(u["affected_components"][0]["code"], "api");
  EXPECT_EQ(u["affected_components"][0]["new_status"], "major_outage");
  EXPECT_EQ(i["components"][0]["id"], "api");

  auto html = get("/");
  EXPECT_NE(html.body.find("Major outage of API"), std::string::npos);
  EXPECT_NE(html.body.find("data-status=\"major_outage\""), std::string::npos);
  auto atom = get("/history.atom");
  EXPECT_NE(atom.body.find("<title>Major outage of API</title>"), std::string::npos);
  EXPECT_EQ(atom.content_type, "application/atom+xml; charset=utf-8");
  auto rss = get("/history.rss");
  EXPECT_NE(rss.body.find("<title>Major outage of API</title>"), std::string::npos);
  auto badge = get("/badge/api.svg");
  EXPECT_EQ(badge.content_type, "image/svg+xml");
  EXPECT_NE(badge.body.find("Major outage"), std::string::npos);
  EXPECT_EQ(get("/badge/nope.svg").status, 404);

  seconds(5, Signals{1, 1, 10, 0, 5});
  auto all = getJson("/api/v2/incidents.json");
  ASSERT_EQ(all["incidents"].size(), 1u);
  EXPECT_EQ(all["incidents"][0]["status"], "resolved");
  EXPECT_TRUE(std::regex_match(all["incidents"][0]["resolved_at"].get<std::string>(), kIso));
  EXPECT_TRUE(getJson("/api/v2/incidents/unresolved.json")["incidents"].empty());
}

TEST_F(ServiceTest, ThePageIsSelfContainedAndReadableOnPhonesAndInTheDark) {
  auto r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(r.body.find("prefers-color-scheme: dark"), std::string::npos);
  EXPECT_NE(r.body.find("id=\"component-api\""), std::string::npos);
  EXPECT_NE(r.body.find("<form method=\"post\" action=\"report\">"), std::string::npos);
  EXPECT_EQ(r.body.find("src=\"http"), std::string::npos);  // nothing from elsewhere
  EXPECT_EQ(r.body.find("href=\"http"), std::string::npos);
  size_t bars = 0;
  for (size_t p = r.body.find("no data\"></span>"); p != std::string::npos;
       p = r.body.find("no data\"></span>", p + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 2u * 90);
}

TEST_F(ServiceTest, LiveChartsHaveTheLastSeconds) {
  seconds(4, Signals{1, 1, 10, 0, 5});
  auto j = getJson("/api/live.json");
  ASSERT_EQ(j["points"].size(), 4u);
  EXPECT_EQ(j["points"][3]["requests"], 100);
  EXPECT_EQ(j["points"][3]["mitigated"], 10);
}

TEST_F(ServiceTest, VisitorReportsAreCountedOnceAndRateLimited) {
  EXPECT_EQ(reportFrom("10.0.0.1", "component=api").status, 200);
  EXPECT_EQ(reportFrom("10.0.0.1", "component=api").status, 200);  // thanked, not counted
  EXPECT_EQ(reportFrom("10.0.0.1", "component=zzz").status, 400);
  EXPECT_EQ(reportFrom("10.0.0.1", "component=web").status, 200);
  auto limited = reportFrom("10.0.0.1", "component=api");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(reportFrom("10.0.0.2", "component=api").status, 200);
  web::Request put;
  put.method = "PUT";
  put.path = "/";
  EXPECT_EQ(public_(put).status, 405);
}

TEST_F(ServiceTest, OperatorsPostAndUpdateIncidents) {
  auto created = admin("POST", "/api/v1/status/incidents",
                       R"({"name":"Slow logins","body":"We are looking.","impact":"minor",)"
                       R"("components":["web"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto j = nlohmann::json::parse(created.body);
  std::string id = j["id"];
  EXPECT_EQ(j["status"], "investigating");
  auto updated = admin("POST", "/api/v1/status/incidents/" + id + "/updates",
                       R"({"status":"resolved","body":"Fixed."})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  auto got = nlohmann::json::parse(admin("GET", "/api/v1/status/incidents/" + id).body);
  EXPECT_EQ(got["status"], "resolved");
  EXPECT_EQ(got["incident_updates"].size(), 2u);
  EXPECT_EQ(got["incident_updates"][0]["body"], "Fixed.");
}

TEST_F(ServiceTest, BadAdminInputIsRefusedAndChangesNothing) {
  const std::vector<std::string> bad = {
      "not json",
      "[]",
      R"({"body":"no name"})",
      R"({"name":"x","body":"y","colour":"red"})",
      R"({"name":"x","body":"y","status":"exploded"})",
      R"({"name":"x","body":"y","impact":"apocalyptic"})",
      R"({"name":"x","body":"y","components":["nope"]})",
      R"({"name":"x","body":"y","components":"api"})",
      R"({"name":7,"body":"y"})",
      R"({"name":"","body":"y"})",
  };
  for (const auto& body : bad) {
    auto r = admin("POST", "/api/v1/status/incidents", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(nlohmann::json::parse(r.body).contains("error")) << r.body;
  }
  EXPECT_EQ(
      admin("POST", "/api/v1/status/incidents/nope/updates", R"({"status":"resolved","body":"x"})")
          .status,
      404);
  EXPECT_EQ(admin("POST", "/api/v1/status/maintenances",
                  R"({"name":"m","body":"b","scheduled_for":"tomorrow",)"
                  R"("scheduled_until":"2030-01-01T00:00:00Z"})")
                .status,
            400);
  EXPECT_EQ(admin("POST", "/api/v1/status/maintenances",
                  R"({"name":"m","body":"b","scheduled_for":"2030-01-01T02:00:00Z",)"
                  R"("scheduled_until":"2030-01-01T01:00:00Z"})")
                .status,
            400);
  auto list = nlohmann::json::parse(admin("GET", "/api/v1/status/incidents").body);
  EXPECT_TRUE(list["incidents"].empty());
  auto ms = nlohmann::json::parse(admin("GET", "/api/v1/status/maintenances").body);
  EXPECT_TRUE(ms["scheduled_maintenances"].empty());
}

TEST_F(ServiceTest, MaintenanceIsScheduledThroughTheAdminApi) {
  auto r = admin("POST", "/api/v1/status/maintenances",
                 R"({"name":"DB upgrade","body":"Planned.","scheduled_for":"2030-01-01T01:00:00Z",)"
                 R"("scheduled_until":"2030-01-01T02:00:00.000Z","components":["api"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["scheduled_for"], "2030-01-01T01:00:00.000Z");
  EXPECT_EQ(j["impact"], "maintenance");
  auto upcoming = getJson("/api/v2/scheduled-maintenances/upcoming.json");
  ASSERT_EQ(upcoming["scheduled_maintenances"].size(), 1u);
  EXPECT_EQ(getJson("/api/v2/summary.json")["scheduled_maintenances"].size(), 1u);
}

}  // namespace
}  // namespace floodgate::status
