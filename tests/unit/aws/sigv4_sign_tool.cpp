// Reads one request (or an array of them) as JSON on stdin and prints its SigV4 canonical request
// and headers as JSON:
// {"method","path","query":[[n,v]],"headers":[[n,v]],"payload","access_key_id",
//  "secret_access_key","session_token","region","service","epoch_seconds"}
#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "aws/credentials.hpp"
#include "aws/sigv4.hpp"

using namespace slipway::aws;

namespace {

std::vector<std::pair<std::string, std::string>> pairs(const boost::json::value& value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : value.as_array()) {
    const auto& pair = item.as_array();
    out.emplace_back(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
  }
  return out;
}

boost::json::object sign_one(const boost::json::object& document) {
  auto text = [&](const char* key) { return std::string(document.at(key).as_string()); };
  SignableRequest request{.method = text("method"),
                          .path = text("path"),
                          .query = pairs(document.at("query")),
                          .headers = pairs(document.at("headers")),
                          .payload = text("payload")};
  Credentials credentials{.access_key_id = text("access_key_id"),
                          .secret_access_key = text("secret_access_key"),
                          .session_token = text("session_token"),
                          .expiration = std::nullopt,
                          .source = "stdin"};
  SigningScope scope{.region = text("region"),
                     .service = text("service"),
                     .time = std::chrono::system_clock::time_point(
                         std::chrono::seconds(document.at("epoch_seconds").as_int64())),
                     .s3_path_rules = false};
  sign(request, credentials, scope);
  boost::json::object out;
  boost::json::array headers;
  for (const auto& [name, value] : request.headers) {
    headers.push_back(boost::json::array{name, value});
  }
  out["headers"] = headers;
  out["canonical_request"] = canonical_request(request, false);
  return out;
}

}  // namespace

// One request object in, one result object out; or an array of them in, an array out.
int main() {
  std::string input(std::istreambuf_iterator<char>(std::cin), {});
  const auto document = boost::json::parse(input);
  if (document.is_array()) {
    boost::json::array out;
    for (const auto& item : document.as_array()) out.push_back(sign_one(item.as_object()));
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    std::cout << boost::json::serialize(sign_one(document.as_object())) << "\n";
  }
}
