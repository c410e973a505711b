// Parses config text into its one YAML document, turning every parser failure into a Problem.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

#include "config/problems.h"

namespace floodgate::config {

// The document's root (an undefined node for an empty text), or nullopt after reporting a syntax
// error. A text holding more than one document is reported too, and its first is returned.
// Never throws.
std::optional<YAML::Node> parseYamlDocument(const std::string& text, ProblemList& problems);

}  // namespace floodgate::config
