#include "targets/ecs/policy.hpp"

#include <boost/json.hpp>
#include <cctype>

namespace slipway::targets::ecs {
namespace {

std::vector<std::string> strings_of(const boost::json::object& statement, std::string_view key) {
  std::vector<std::string> out;
  const auto* value = statement.if_contains(key);
  if (value == nullptr) return out;
  if (value->is_string()) out.emplace_back(value->as_string());
  if (value->is_array()) {
    for (const auto& item : value->as_array()) {
      if (item.is_string()) out.emplace_back(item.as_string());
    }
  }
  return out;
}

bool any_match(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case) {
  for (const auto& pattern : patterns) {
    if (iam_wildcard_match(pattern, text, ignore_case)) return true;
  }
  return false;
}

}  // namespace

bool iam_wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  auto same = [ignore_case](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || same(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool policies_allow(const std::vector<std::string>& documents, std::string_view action,
                    std::string_view resource) {
  bool allowed = false;
  for (const auto& text : documents) {
    boost::system::error_code error;
    const auto document = boost::json::parse(text, error);
    if (error || !document.is_object()) continue;
    const auto* statements = document.as_object().if_contains("Statement");
    if (statements == nullptr) continue;
    std::vector<boost::json::object> list;
    if (statements->is_object()) list.push_back(statements->as_object());
    if (statements->is_array()) {
      for (const auto& item : statements->as_array()) {
        if (item.is_object()) list.push_back(item.as_object());
      }
    }
    for (const auto& statement : list) {
      if (!any_match(strings_of(statement, "Action"), action, true)) continue;
      if (!any_match(strings_of(statement, "Resource"), resource, false)) continue;
      const auto effect = strings_of(statement, "Effect");
      if (!effect.empty() && effect[0] == "Deny") return false;
      if (!effect.empty() && effect[0] == "Allow") allowed = true;
    }
  }
  return allowed;
}

}  // namespace slipway::targets::ecs
