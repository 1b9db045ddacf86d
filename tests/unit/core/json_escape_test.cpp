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

namespace {

// Every byte value at every offset of a word, so the eight-at-a-time path is exercised at all
// alignments against a byte-by-byte reference.
TEST(JsonEscape, WordAtATimeMatchesByteByByte) {
  auto reference = [](std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
      if (c == '"')
        out += "\\\"";
      else if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (c < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  };
  for (int value = 0; value < 256; ++value) {
    for (std::size_t offset = 0; offset < 17; ++offset) {
      std::string text(20, 'a');
      text[offset] = static_cast<char>(value);
      std::string out;
      slipway::core::append_json_escaped(out, text);
      ASSERT_EQ(out, reference(text)) << "byte " << value << " at " << offset;
    }
  }
}

}  // namespace
