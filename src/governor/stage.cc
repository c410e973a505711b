#include "governor/stage.h"

namespace floodgate::governor {

const char* stageName(Stage stage) {
  switch (stage) {
    case Stage::kProposed:
      return "proposed";
    case Stage::kShadow:
      return "shadow";
    case Stage::kCanary:
      return "canary";
    case Stage::kEnforced:
      return "enforced";
    case Stage::kRelaxing:
      return "relaxing";
    case Stage::kExpired:
      return "expired";
    case Stage::kRolledBack:
      return "rolled_back";
  }
  return "?";
}

bool isFinal(Stage stage) { return stage == Stage::kExpired || stage == Stage::kRolledBack; }

}  // namespace floodgate::governor
