#pragma once
// Just enough XML for Query-protocol responses (STS, later ELBv2 and CloudWatch): the text of
// the first element with a given name. Hand-written because no XML library is a dependency and
// these documents are small, flat and machine-written.

#include <optional>
#include <string>
#include <string_view>

namespace slipway::aws {

// Returns the unescaped text of the first <tag>...</tag> in `xml` (attributes allowed), or
// nullopt when absent.
std::optional<std::string> xml_element_text(std::string_view xml, std::string_view tag);

// Replaces the five predefined entities and numeric character references.
std::string xml_unescape(std::string_view text);

}  // namespace slipway::aws
