// Reads the `clients:` entries of a scenario: one ClientGroup each, with the defaults of its
// kind filled in and checked against the phases.
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "storm/scenario.h"
#include "storm/yaml_fields.h"

namespace floodgate::storm {

// Parses one group; returns false (with errors in `fields`) when it is unusable.
bool parseClientGroup(const YAML::Node& node, const std::vector<Phase>& phases, YamlFields& fields,
                      ClientGroup* group);
// Checks across groups: unique names, legitimate and attack ranges apart, mimic targets.
void checkGroupsTogether(const YAML::Node& clients, YamlFields& fields,
                         std::vector<ClientGroup>* groups);

}  // namespace floodgate::storm
