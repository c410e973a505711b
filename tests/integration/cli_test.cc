// The command line as a user meets it: versions, help, config checks and usage errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "integration/support.h"

namespace floodgate::integration {
namespace {

std::string escapeRegex(const std::string& text) {
  return std::regex_replace(text, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
}

TEST(CliTest, VersionPrintsTheVersion) {
  auto r = runFloodgate({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(floodgate [0-9]+\.[0-9]+\.[0-9]+)"))) << r.out;
}

TEST(CliTest, HelpForEverySubcommandExitsZero) {
  const std::vector<std::vector<std::string>> helps = {{"--help"},
                                                       {"run", "--help"},
                                                       {"check", "--help"},
                                                       {"origin", "--help"},
                                                       {"storm", "--help"}};
  for (const auto& args : helps) {
    auto r = runFloodgate(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " --help: " << r.err;
    EXPECT_FALSE(r.out.empty()) << args[0];
  }
  auto run = runFloodgate({"run", "--help"});
  EXPECT_NE(run.out.find("--config"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("--to"), std::string::npos) << run.out;
  auto origin = runFloodgate({"origin", "--help"});
  EXPECT_NE(origin.out.find("--capacity"), std::string::npos) << origin.out;
}

TEST(CliTest, EveryExampleConfigChecks) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(sourceDir() + "/examples")) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = runFloodgate({"check", "-c", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ":\n" << r.err;
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

struct BrokenConfig {
  const char* what;
  const char* yaml;
  std::vector<int> lines;  // each must have a file:line:col: message
};

TEST(CliTest, BrokenConfigsExitTwoWithLocatedMessages) {
  const BrokenConfig cases[] = {
      {"bad port and endpoint without a port",
       "listeners:\n"
       "  - address: 127.0.0.1:notaport\n"
       "clusters:\n"
       "  - name: web\n"
       "    endpoints: [10.0.0.1]\n",
       {2, 5}},
      {"a typo in a key",
       "listners:\n"
       "  - address: 127.0.0.1:8080\n",
       {1}},
      {"a YAML syntax error",
       "listeners:\n"
       "  - address: 127.0.0.1:8080\n"
       "clusters: [ {name: web\n",
       {}},
      {"a route to an unknown cluster",
       "listeners:\n"
       "  - address: 127.0.0.1:8080\n"
       "routes:\n"
       "  - cluster: nowhere\n"
       "clusters:\n"
       "  - name: web\n"
       "    endpoints: [127.0.0.1:9000]\n",
       {4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::string path = writeTempFile("broken.yaml", c.yaml);
    auto r = runFloodgate({"check", "-c", path});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    std::string located = "(^|\n)" + escapeRegex(path) + R"(:[0-9]+:[0-9]+: [^\n]+)";
    EXPECT_TRUE(std::regex_search(r.err, std::regex(located))) << r.err;
    for (int line : c.lines) {
      std::string at = "(^|\n)" + escapeRegex(path) + ":" + std::to_string(line) + R"(:[0-9]+: )";
      EXPECT_TRUE(std::regex_search(r.err, std::regex(at)))
          << "no message for line " << line << ":\n"
          << r.err;
    }
    // `run` refuses the same file the same way, before listening.
    auto run = runFloodgate({"run", "-c", path});
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(run.out.find("listening"), std::string::npos);
  }
}

TEST(CliTest, MissingConfigFileExitsTwo) {
  std::string path = sourceDir() + "/examples/does-not-exist.yaml";
  auto check = runFloodgate({"check", "-c", path});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.err.find("does-not-exist.yaml"), std::string::npos) << check.err;
  auto run = runFloodgate({"run", "-c", path});
  EXPECT_EQ(run.exit_code, 2);
}

TEST(CliTest, RunWithoutArgumentsExitsTwoWithAHint) {
  auto r = runFloodgate({"run"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to"), std::string::npos) << r.err;
}

TEST(CliTest, RunWithBothConfigAndQuickStartExitsTwo) {
  auto r =
      runFloodgate({"run", "-c", sourceDir() + "/examples/minimal.yaml", "--to", "127.0.0.1:9000"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(CliTest, QuickStartAnnouncesItsListener) {
  auto origin = startOrigin({"--name", "cli"});
  ASSERT_TRUE(origin.ok());
  auto gateway = startQuickGateway({origin.port}, {"--workers", "2"});
  ASSERT_TRUE(gateway.ok());
  EXPECT_TRUE(std::regex_search(
      gateway.process->stdoutText(),
      std::regex(R"(floodgate listening on 127\.0\.0\.1:[0-9]+ \(listener [^,]+, 2 workers\))")))
      << gateway.process->stdoutText();
  HttpClient c(gateway.port);
  auto r = c.get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("X-Origin"), "cli");
}

TEST(CliTest, QuickStartSpreadsOverEveryEndpoint) {
  auto a = startOrigin({"--name", "a"});
  auto b = startOrigin({"--name", "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  auto gateway = startQuickGateway({a.port, b.port}, {"--workers", "1"});
  ASSERT_TRUE(gateway.ok());
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    HttpClient c(gateway.port);
    auto r = c.get("/");
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 200);
    seen.insert(r->header("X-Origin"));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"a", "b"}));
}

TEST(CliTest, OriginAnnouncesItsPortAndExitsZeroOnSigterm) {
  auto origin = startOrigin();
  ASSERT_TRUE(origin.ok());
  HttpClient c(origin.port);
  auto r = c.get("/");
  ASSERT_TRUE(r) << c.error();
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(origin.process->signal(SIGTERM));
  auto code = origin.process->waitExit(seconds(5));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace floodgate::integration
