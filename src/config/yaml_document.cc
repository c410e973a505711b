#include "config/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string_view>
#include <vector>

#include "config/messages.h"

namespace floodgate::config {
namespace {

// Records where each document starts, and nothing else: enough to count documents and to see
// the parser stop making progress.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

Where whereOf(const YAML::Mark& mark) { return Where{mark.line + 1, mark.column + 1}; }

std::string_view lineAt(const std::string& text, int line) {
  size_t start = 0;
  for (int i = 0; i < line && start != std::string::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return {};
  size_t end = text.find('\n', start);
  return std::string_view(text).substr(start,
                                       end == std::string::npos ? std::string::npos : end - start);
}

// yaml-cpp's parse messages say what broke but not why; the usual causes (a tab in the
// indentation, an unquoted [v6] address, an unquoted "-") deserve to be named.
std::string syntaxProblem(const std::string& what, const YAML::Mark& mark,
                          const std::string& text) {
  std::string message = "YAML syntax error: " + what;
  std::string_view line = lineAt(text, mark.line);
  size_t indent_end = line.find_first_not_of(" \t");
  if (line.substr(0, indent_end).find('\t') != std::string_view::npos) {
    message += "; indent with spaces, not tabs";
  } else if (line.find("]:") != std::string_view::npos) {
    message += "; an address starting with \"[\" must be quoted, e.g. \"[::1]:8080\"";
  } else if (line.ends_with(": -")) {
    message += "; a lone \"-\" starts a list item, write \"-\" in quotes";
  }
  return message;
}

}  // namespace

std::optional<YAML::Node> parseYamlDocument(const std::string& text, ProblemList& problems) {
  try {
    // A first pass that only counts documents, instead of YAML::LoadAll: on some malformed input
    // (a stray ",") yaml-cpp 0.7's parser stops consuming and LoadAll appends empty documents
    // until memory runs out (jbeder/yaml-cpp#1040, fixed upstream in #1319). Here a document
    // starting where the previous one did is that case, reported as the syntax error it is.
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts docs;
    while (docs.starts.size() < 2 && parser.HandleNextDocument(docs)) {
      size_t n = docs.starts.size();
      if (n >= 2 && docs.starts[n - 1].pos == docs.starts[n - 2].pos) {
        const YAML::Mark& at = docs.starts[n - 1];
        std::string_view line = lineAt(text, at.line);
        std::string found = static_cast<size_t>(at.column) < line.size()
                                ? quoted(line.substr(at.column, 1))
                                : std::string("this");
        problems.add(whereOf(at), syntaxProblem("unexpected " + found, at, text));
        return std::nullopt;
      }
    }
    if (docs.starts.size() > 1) {
      problems.add(whereOf(docs.starts[1]),
                   "the file holds more than one YAML document (separated by \"---\"); put the "
                   "whole config in one");
    }
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    problems.add(whereOf(e.mark), syntaxProblem(e.msg, e.mark, text));
  } catch (const std::exception& e) {
    // Not expected from a parser given a string, but a config must never crash the process
    // that is checking it.
    problems.add(Where{}, std::string("cannot parse the config: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace floodgate::config
