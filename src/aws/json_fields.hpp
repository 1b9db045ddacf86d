#pragma once
// Small typed reads of AWS JSON responses: a missing or mistyped member reads as empty, the way
// the SDKs treat absent optional members.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace slipway::aws {

// Returns the string member `key`, or nullopt.
std::optional<std::string> optional_string(const boost::json::object& object, std::string_view key);

// Returns the string member `key`, or "".
std::string string_or_empty(const boost::json::object& object, std::string_view key);

// Returns the array member `key` (empty when absent).
const boost::json::array& array_or_empty(const boost::json::object& object, std::string_view key);

// Returns the object member `key` (empty when absent).
const boost::json::object& object_or_empty(const boost::json::object& object, std::string_view key);

// Returns the number member `key`, or 0.
int int_or_zero(const boost::json::object& object, std::string_view key);
double number_or_zero(const boost::json::object& object, std::string_view key);

// Returns the strings of the array member `key`.
std::vector<std::string> string_list(const boost::json::object& object, std::string_view key);

}  // namespace slipway::aws
