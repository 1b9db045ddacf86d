#include "aws/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "aws/credentials.hpp"
#include "aws/crypto.hpp"

namespace slipway::aws {
namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims the value and collapses runs of spaces into one, as the canonical form requires.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

bool is_unsigned_header(std::string_view lower_name) {
  // Headers that proxies and SDK layers add or rewrite after signing (botocore's list).
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "transfer-encoding" || lower_name == "x-amzn-trace-id" ||
         lower_name == "connection";
}

void remove_header(HeaderList& headers, std::string_view lower_name) {
  std::erase_if(headers, [&](const auto& h) { return lowercase(h.first) == lower_name; });
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0x0f]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view wire_path, bool s3_path_rules) {
  if (wire_path.empty()) return "/";
  if (s3_path_rules) return std::string(wire_path);
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= wire_path.size()) {
    auto end = wire_path.find('/', start);
    if (end == std::string_view::npos) end = wire_path.size();
    auto segment = wire_path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (auto segment : segments) out += "/" + uri_encode(segment);
  if (out.empty()) return "/";
  if (wire_path.back() == '/') out += "/";  // as botocore: a trailing slash survives normalization
  return out;
}

std::string canonical_query(const QueryList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::vector<std::string> signed_header_names(const HeaderList& headers) {
  std::vector<std::string> names;
  for (const auto& header : headers) {
    auto name = lowercase(header.first);
    if (!is_unsigned_header(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ";") + name;
  return out;
}

// canonical_request with the signed header names already computed (sign() needs them twice).
std::string canonical_request_of(const SignableRequest& request, bool s3_path_rules,
                                 const std::vector<std::string>& names) {
  std::string out = request.method + "\n" + canonical_uri(request.path, s3_path_rules) + "\n" +
                    canonical_query(request.query) + "\n";
  for (const auto& name : names) {
    std::string joined;
    bool first = true;
    for (const auto& header : request.headers) {
      if (lowercase(header.first) != name) continue;
      if (!first) joined += ',';
      joined += canonical_header_value(header.second);
      first = false;
    }
    out += name + ":" + joined + "\n";
  }
  out += "\n";
  out += join_names(names) + "\n" + sha256_hex(request.payload);
  return out;
}

// string_to_sign with the "YYYYMMDDTHHMMSSZ" time already formatted.
std::string string_to_sign_at(std::string_view canonical, std::string_view date_time,
                              const SigningScope& scope) {
  return "AWS4-HMAC-SHA256\n" + std::string(date_time) + "\n" +
         std::string(date_time.substr(0, 8)) + "/" + scope.region + "/" + scope.service +
         "/aws4_request\n" + sha256_hex(canonical);
}

}  // namespace

std::string canonical_request(const SignableRequest& request, bool s3_path_rules) {
  return canonical_request_of(request, s3_path_rules, signed_header_names(request.headers));
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string string_to_sign(std::string_view canonical, const SigningScope& scope) {
  return string_to_sign_at(canonical, amz_date(scope.time), scope);
}

namespace {

// The signing key: four HMACs over the secret, the day, the region and the service, each as
// costly as signing itself. A thread that signs many requests in a row (the X-Ray segment
// sender, batches many times a second) derives it once a day: one key per thread, so no lock.
const std::string& signing_key(std::string_view secret_access_key, std::string_view date,
                               const SigningScope& scope) {
  struct Cached {
    std::string secret_access_key, date, region, service, key;
  };
  thread_local Cached cached;
  if (cached.key.empty() || cached.secret_access_key != secret_access_key || cached.date != date ||
      cached.region != scope.region || cached.service != scope.service) {
    auto key = hmac_sha256("AWS4" + std::string(secret_access_key), date);
    key = hmac_sha256(key, scope.region);
    key = hmac_sha256(key, scope.service);
    key = hmac_sha256(key, "aws4_request");
    cached = {std::string(secret_access_key), std::string(date), scope.region, scope.service,
              std::move(key)};
  }
  return cached.key;
}

}  // namespace

namespace {

// signature with the day ("YYYYMMDD") already formatted.
std::string signature_on(std::string_view secret_access_key, std::string_view date,
                         const SigningScope& scope, std::string_view string_to_sign_text) {
  return hex_encode(hmac_sha256(signing_key(secret_access_key, date, scope), string_to_sign_text));
}

}  // namespace

std::string signature(std::string_view secret_access_key, const SigningScope& scope,
                      std::string_view string_to_sign_text) {
  return signature_on(secret_access_key, amz_date(scope.time).substr(0, 8), scope,
                      string_to_sign_text);
}

void sign(SignableRequest& request, const Credentials& credentials, const SigningScope& scope) {
  remove_header(request.headers, "authorization");
  remove_header(request.headers, "x-amz-date");
  remove_header(request.headers, "x-amz-security-token");
  // Formatted once: the time and the header names appear in several parts of the signature.
  const auto date_time = amz_date(scope.time);
  const auto date = std::string_view(date_time).substr(0, 8);
  request.headers.emplace_back("X-Amz-Date", date_time);
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  const auto names = signed_header_names(request.headers);
  const auto canonical = canonical_request_of(request, scope.s3_path_rules, names);
  const auto to_sign = string_to_sign_at(canonical, date_time, scope);
  request.headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + std::string(date) + "/" +
          scope.region + "/" + scope.service + "/aws4_request, SignedHeaders=" + join_names(names) +
          ", Signature=" + signature_on(credentials.secret_access_key, date, scope, to_sign));
}

}  // namespace slipway::aws
