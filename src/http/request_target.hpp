#pragma once
// Which request targets and Host values the server accepts: the forms RFC 9112 §3.2 gives a
// server (origin-form and absolute-form), and nginx's rules for what is refused with 400
// (tests/integration/http_conformance_test.py compares the two), so a request nginx would not
// serve is not served here either.

#include <optional>
#include <string_view>

namespace slipway::http {

// The path (no query) of an origin-form target ("/p?q") or of an absolute-form one
// ("http://host:80/p?q", which RFC 9112 §3.2.2 says servers must accept; "/" when it has no
// path); nullopt for any other form ("*", authority-form, a relative path) or an absolute-form
// authority that is not a valid host.
std::optional<std::string_view> request_path(std::string_view target);

// True when `path` (as sent, percent-encoded) is safe to serve: every '%' starts two hex
// digits, none decodes to NUL, and its "." and ".." segments (encoded or not) never climb
// above the root.
bool is_acceptable_path(std::string_view path);

// True for a Host value nginx accepts (ngx_http_validate_host): something left once a port
// and one trailing dot are removed, no empty label (".."), no '/' or '\', no whitespace or
// control characters.
bool is_valid_host(std::string_view host);

}  // namespace slipway::http
