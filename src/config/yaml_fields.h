// Reading typed fields out of YAML maps while collecting problems: every reader reports what is
// wrong and where, and leaves the default in place, so loading goes on to find the next problem.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/problems.h"
#include "core/clock.h"

namespace floodgate::config {

// 1-based position of a node; {0, 0} for a node without one.
Where whereOf(const YAML::Node& node);

// "a map", "a list", "text", "nothing": for "must be a list, not a map".
std::string kindOf(const YAML::Node& node);

// "1KiB", "16MiB", "1000 bytes": sizes in messages, in the unit a user would write.
std::string formatSize(uint64_t bytes);

// The fields of one YAML map. Keys given twice are reported at construction; keys merged in
// with YAML's "<<: *anchor" count as given, unless the map sets them itself.
class Fields {
 public:
  enum class Style {
    kTop,      // the document: subjects are bare keys, "drain_timeout"
    kSection,  // "limits": subjects are "limits.max_headers"
    kItem,     // "cluster \"api\"": subjects are "cluster \"api\": endpoints"
  };

  // map must be a YAML map (check with expectMap first).
  Fields(const YAML::Node& map, std::string name, Style style, ProblemList& problems);

  // Names the map once it is known (a list item is named by its own "name" key).
  void rename(std::string name) { name_ = std::move(name); }
  const std::string& name() const { return name_; }

  // Reports each key not in allowed, with the allowed keys and a likely intended one.
  void allowOnly(const std::vector<std::string>& allowed);

  bool has(std::string_view key) const;        // present with a non-null value
  YAML::Node get(std::string_view key) const;  // the value, or an undefined node
  Where where() const { return whereOf(map_); }
  Where where(std::string_view key) const;     // the value's position, else the map's
  Where keyWhere(std::string_view key) const;  // the key's position, else the map's
  std::string subject(std::string_view key) const;

  // Reports a problem unless key has a value.
  bool require(std::string_view key, std::string_view example);

  // Each reads key into *out when present and valid and returns true; when present and not
  // valid it reports why and leaves *out (the default) alone. Absent or null: false, no report.
  bool text(std::string_view key, std::string* out, std::string_view hint = "");
  bool integer(std::string_view key, int* out, int min, int max);
  bool duration(std::string_view key, Duration* out);  // must be > 0: these are all timeouts
  bool size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max);

  void add(Where at, std::string message) { problems_.add(at, std::move(message)); }
  ProblemList& problems() { return problems_; }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Entry* find(std::string_view key) const;
  void collect(const YAML::Node& map, int merge_depth);
  // The scalar at key, or nullptr (reporting a wrong kind with hint) when it is not one.
  const Entry* scalar(std::string_view key, std::string_view expected, std::string_view hint);

  YAML::Node map_;
  std::string name_;
  Style style_;
  ProblemList& problems_;
  std::vector<Entry> entries_;
};

// Report unless node is a map / a list; `what` names it and example shows the right form.
bool expectMap(const YAML::Node& node, const std::string& what, std::string_view example,
               ProblemList& problems);
bool expectList(const YAML::Node& node, const std::string& what, std::string_view example,
                ProblemList& problems);

}  // namespace floodgate::config
