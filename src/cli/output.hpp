#pragma once
// How verbs print results: JSON through Boost.JSON (one document per line), text as tab-separated
// lines. The same printers serve both targets.

#include <boost/json/value.hpp>
#include <ostream>
#include <vector>

#include "cli/command.hpp"
#include "release/target.hpp"

namespace slipway::cli {

// Writes `value` as one line of compact JSON and flushes.
void print_json_line(std::ostream& out, const boost::json::value& value);

// Prints a rollout's result (stdout: one JSON object with --output json, else one text line;
// the reason redacted) and returns its exit code.
ExitCode print_rollout(const release::RolloutReport& report, const GlobalOptions& globals);

// Prints releases, newest first: a JSON array, or one tab-separated line each.
void print_history(const std::vector<release::ReleaseRecord>& releases,
                   const GlobalOptions& globals);

// Prints a status report: its document, or its lines.
void print_status(const release::StatusReport& status, const GlobalOptions& globals);

}  // namespace slipway::cli
