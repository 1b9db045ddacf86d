#include "http/request_target.hpp"

#include <boost/beast/core/string.hpp>

#include "http/router.hpp"

namespace slipway::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// host[:port] or [v6]:port in the characters nginx accepts in an absolute-form authority;
// no userinfo ("user@host").
bool is_plain_authority(std::string_view authority) {
  for (const char c : authority) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return is_valid_host(authority);
}

}  // namespace

std::optional<std::string_view> request_path(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target_path(target);
  const auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const auto scheme = target.substr(0, scheme_end);
  if (!boost::beast::iequals(scheme, "http") && !boost::beast::iequals(scheme, "https")) {
    return std::nullopt;
  }
  const auto rest = target.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?#");
  if (!is_plain_authority(rest.substr(0, path_start))) return std::nullopt;
  if (path_start == std::string_view::npos) return "/";
  const auto path = target_path(rest.substr(path_start));
  return path.empty() ? std::string_view("/") : path;
}

bool is_acceptable_path(std::string_view path) {
  int depth = 0;
  std::string segment;  // decoded; '/' (even as %2F) ends it
  auto end_segment = [&] {
    if (segment == "..") {
      if (--depth < 0) return false;
    } else if (!segment.empty() && segment != ".") {
      ++depth;
    }
    segment.clear();
    return true;
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return false;
      const int high = hex_value(path[i + 1]);
      const int low = hex_value(path[i + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      if (c == '\0') return false;
      i += 2;
    }
    if (c == '/') {
      if (!end_segment()) return false;
    } else {
      segment += c;
    }
  }
  return end_segment();
}

bool is_valid_host(std::string_view host) {
  enum class Part { name, literal, port } part = Part::name;
  std::size_t name_end = host.size();
  std::size_t last_dot = std::string_view::npos;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const auto c = static_cast<unsigned char>(host[i]);
    if (c == '.') {
      if (i > 0 && last_dot == i - 1) return false;
      last_dot = i;
    } else if (c == ':') {
      if (part == Part::name) {
        name_end = i;
        part = Part::port;
      }
    } else if (c == '[') {
      if (i == 0) part = Part::literal;
    } else if (c == ']') {
      if (part == Part::literal) {
        name_end = i + 1;
        part = Part::port;
      }
    } else if (c == '/' || c == '\\' || c <= 0x20 || c == 0x7f) {
      return false;
    }
  }
  if (name_end > 0 && last_dot == name_end - 1) --name_end;
  return name_end > 0;
}

}  // namespace slipway::http
