#include "http/router.hpp"

#include <stdexcept>

namespace slipway::http {

void Router::add(Verb method, std::string path, Handler handler) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("route path must start with '/': " + path);
  }
  auto& methods = by_path_[path];
  for (const auto* existing : methods) {
    if (existing->method == method) throw std::invalid_argument("duplicate route: " + path);
  }
  routes_.push_back(std::make_unique<Route>(Route{method, std::move(path), std::move(handler)}));
  methods.push_back(routes_.back().get());
}

RouteMatch Router::match(Verb method, std::string_view path) const {
  RouteMatch result;
  const auto it = by_path_.find(path);
  if (it == by_path_.end()) return result;
  result.path_exists = true;
  const Route* get_route = nullptr;
  for (const auto* route : it->second) {
    if (route->method == method) {
      result.route = route;
      return result;
    }
    if (route->method == Verb::get) get_route = route;
  }
  if (method == Verb::head && get_route != nullptr) {
    result.route = get_route;
    return result;
  }
  for (const auto* route : it->second) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += beast_http::to_string(route->method);
    if (route->method == Verb::get) result.allow += ", HEAD";
  }
  return result;
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace slipway::http
