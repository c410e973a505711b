// What storm prints: one progress line per second while it runs, and a summary table at the end.
#pragma once

#include <string>

#include "storm/report_json.h"
#include "storm/run_record.h"
#include "storm/run_summary.h"

namespace floodgate::storm {

std::string progressHeader();
std::string progressLine(const Scenario& scenario, const std::vector<SourceRange>& ranges,
                         const SecondRow& row);
std::string summaryText(const RunContext& context, const RunRecord& record,
                        const RunSummary& summary);

}  // namespace floodgate::storm
