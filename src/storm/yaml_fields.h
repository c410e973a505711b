// YamlFields: typed reads of YAML scalars that turn every mistake into a "file:line:col:
// message" a user can act on. Shared by the scenario and client-group parsers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace floodgate::storm {

class YamlFields {
 public:
  explicit YamlFields(std::string file) : file_(std::move(file)) {}

  // `at` may be an undefined node (a missing key); the message then has no position.
  void fail(const YAML::Node& at, const std::string& message);
  void failAt(const YAML::Mark& mark, const std::string& message);
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& file() const { return file_; }

  // Reports keys of `map` not in `known` (with a "did you mean" when one is close).
  void checkKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                 std::string_view where);

  bool readString(const YAML::Node& n, std::string* out, std::string_view what);
  bool readBool(const YAML::Node& n, bool* out, std::string_view what);
  bool readCount(const YAML::Node& n, uint64_t* out, std::string_view what, uint64_t max);
  bool readNumber(const YAML::Node& n, double* out, std::string_view what);
  bool readDuration(const YAML::Node& n, Duration* out, std::string_view what);
  // A scalar or a sequence of scalars.
  bool readStringList(const YAML::Node& n, std::vector<std::string>* out, std::string_view what);

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

// map[key] when present, else the map itself: where to point a message about that key.
YAML::Node keyOrMap(const YAML::Node& map, const char* key);

}  // namespace floodgate::storm
