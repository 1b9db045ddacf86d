#include "core/json_escape.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace {

TEST(JsonEscape, RoundTripsThroughAJsonParser) {
  const std::string inputs[] = {"plain",
                                "quote\" back\\slash",
                                "line\nbreak\ttab\r",
                                std::string("nul\0byte", 8),
                                "\x01\x1f",
                                "utf-8 é ✓"};
  for (const auto& input : inputs) {
    std::string doc = "\"";
    slipway::core::append_json_escaped(doc, input);
    doc += "\"";
    EXPECT_EQ(boost::json::parse(doc).as_string(), input) << doc;
  }
}

}  // namespace
