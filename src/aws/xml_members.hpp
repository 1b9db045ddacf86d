#pragma once
// Lists in Query-protocol responses (ELBv2, CloudWatch): the <member> elements of a container
// element, split depth-aware so a member's own nested lists stay inside it. Hand-written for the
// reason xml.hpp gives: no XML library is a dependency and these documents are machine-written.

#include <string>
#include <string_view>
#include <vector>

namespace slipway::aws {

// Returns the inner XML of each direct <member> child of the first <container> element in
// `xml`; empty when the container is absent or empty.
std::vector<std::string_view> xml_members(std::string_view xml, std::string_view container);

}  // namespace slipway::aws
