#include "cli/output.hpp"

#include <boost/json.hpp>
#include <iostream>

#include "core/redaction.hpp"

namespace slipway::cli {
namespace json = boost::json;

void print_json_line(std::ostream& out, const json::value& value) {
  out << json::serialize(value) << std::endl;
}

ExitCode print_rollout(const release::RolloutReport& report, const GlobalOptions& globals) {
  const auto code = exit_code_of(report.status);
  // A reason may quote a process's output: redacted like every error line.
  const auto reason = core::redact(report.reason);
  if (globals.output == OutputFormat::json) {
    json::object phases;
    for (const auto& phase : report.phases) phases[phase.phase] = phase.seconds;
    json::object result{{"event", "result"},
                        {"status", release::to_string(report.status)},
                        {"revision", report.revision},
                        {"image", report.image},
                        {"reason", reason},
                        {"phases", std::move(phases)}};
    for (const auto& [key, value] : report.details) result[key] = value;
    result["exit_code"] = to_int(code);
    print_json_line(std::cout, result);
  } else {
    std::cout << release::to_string(report.status) << "\trevision " << report.revision << "\t"
              << report.image;
    if (!reason.empty()) std::cout << "\t" << reason;
    std::cout << std::endl;
  }
  return code;
}

void print_history(const std::vector<release::ReleaseRecord>& releases,
                   const GlobalOptions& globals) {
  if (globals.output == OutputFormat::json) {
    json::array out;
    for (const auto& r : releases) {
      json::object entry{{"revision", r.revision},
                         {"commit", r.commit},
                         {"image", r.image},
                         {"digest", r.digest},
                         {"who", r.who},
                         {"when", r.when},
                         {"outcome", r.outcome ? release::to_string(*r.outcome) : ""},
                         {"reason", r.reason},
                         {"current", r.current}};
      for (const auto& [key, value] : r.details) entry[key] = value;
      out.push_back(std::move(entry));
    }
    print_json_line(std::cout, out);
    return;
  }
  const auto or_dash = [](const std::string& text) { return text.empty() ? "-" : text; };
  for (const auto& r : releases) {
    std::cout << r.revision << (r.current ? "*" : "") << "\t" << or_dash(r.commit.substr(0, 12))
              << "\t" << (r.outcome ? std::string(release::to_string(*r.outcome)) : "-") << "\t"
              << or_dash(r.when) << "\t" << or_dash(r.who) << "\t"
              << or_dash(r.digest.size() > 19 ? r.digest.substr(0, 19) : r.digest)
              << (r.reason.empty() ? "" : "\t" + r.reason);
    // A refresh: the same image as the release it refreshed, with newer secret versions.
    if (const auto* of = r.details.if_contains("refresh_of"); of && of->is_int64()) {
      std::cout << "\trefresh of revision " << of->as_int64();
    }
    std::cout << "\n";
  }
  std::cout << std::flush;
}

void print_status(const release::StatusReport& status, const GlobalOptions& globals) {
  if (globals.output == OutputFormat::json) {
    print_json_line(std::cout, status.document);
    return;
  }
  for (const auto& line : status.lines) std::cout << line << "\n";
  std::cout << std::flush;
}

}  // namespace slipway::cli
