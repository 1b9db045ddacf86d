#include "aws/json_fields.hpp"

namespace slipway::aws {

std::optional<std::string> optional_string(const boost::json::object& object,
                                           std::string_view key) {
  if (auto* value = object.if_contains(key); value && value->is_string()) {
    return std::string(value->as_string());
  }
  return std::nullopt;
}

std::string string_or_empty(const boost::json::object& object, std::string_view key) {
  return optional_string(object, key).value_or("");
}

const boost::json::array& array_or_empty(const boost::json::object& object, std::string_view key) {
  static const boost::json::array kEmpty;
  if (auto* value = object.if_contains(key); value && value->is_array()) return value->as_array();
  return kEmpty;
}

std::vector<std::string> string_list(const boost::json::object& object, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& item : array_or_empty(object, key)) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

const boost::json::object& object_or_empty(const boost::json::object& object,
                                           std::string_view key) {
  static const boost::json::object empty;
  const auto* value = object.if_contains(key);
  return value && value->is_object() ? value->as_object() : empty;
}

int int_or_zero(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_number() ? value->to_number<int>() : 0;
}

double number_or_zero(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_number() ? value->to_number<double>() : 0.0;
}

}  // namespace slipway::aws
