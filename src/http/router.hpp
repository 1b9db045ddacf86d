#pragma once
// Routing is a free function of the request: exact paths (the service has no path parameters),
// one handler per method, HEAD answered by GET's handler. The router knows nothing of sockets.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/handler_context.hpp"
#include "http/message.hpp"

namespace slipway::http {

using Handler = std::function<Response(const Request&, HandlerContext&)>;

struct Route {
  Verb method;
  std::string path;
  Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;  // set when path and method match
  bool path_exists = false;      // the path is known but the method is not (405)
  std::string allow;             // the Allow header value for a 405
};

class Router {
 public:
  // Adds a route; throws std::invalid_argument for a duplicate method+path or a path that does
  // not start with '/'.
  void add(Verb method, std::string path, Handler handler);

  // Finds the route for `method` and `path` (no query string). HEAD falls back to GET.
  RouteMatch match(Verb method, std::string_view path) const;

  // Every route, in the order added (for metrics: one child per route up front).
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::map<std::string, std::vector<const Route*>, std::less<>> by_path_;
};

// Returns the path of a request target: up to '?' or '#'.
std::string_view target_path(std::string_view target);

}  // namespace slipway::http
