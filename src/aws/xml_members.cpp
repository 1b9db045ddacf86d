#include "aws/xml_members.hpp"

namespace slipway::aws {
namespace {

// Position just after the '>' of the first "<tag>" or "<tag ...>" at or after `from`, or npos.
std::size_t open_tag_end(std::string_view xml, std::string_view tag, std::size_t from) {
  const std::string open = "<" + std::string(tag);
  for (auto pos = xml.find(open, from); pos != std::string_view::npos;
       pos = xml.find(open, pos + 1)) {
    const auto after = pos + open.size();
    if (after < xml.size() && (xml[after] == '>' || xml[after] == ' ')) {
      const auto end = xml.find('>', after);
      if (end == std::string_view::npos) return std::string_view::npos;
      if (xml[end - 1] == '/') return std::string_view::npos;  // <tag/>: empty
      return end + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<std::string_view> xml_members(std::string_view xml, std::string_view container) {
  std::vector<std::string_view> members;
  const auto start = open_tag_end(xml, container, 0);
  if (start == std::string_view::npos) return members;
  const std::string close_container = "</" + std::string(container) + ">";
  int depth = 0;  // nesting of <member> inside the current member
  std::size_t member_start = 0;
  for (std::size_t pos = start; pos < xml.size();) {
    const auto lt = xml.find('<', pos);
    if (lt == std::string_view::npos) break;
    if (depth == 0 && xml.substr(lt).starts_with(close_container)) break;
    if (xml.substr(lt).starts_with("<member>")) {
      if (depth == 0) member_start = lt + 8;
      ++depth;
      pos = lt + 8;
    } else if (xml.substr(lt).starts_with("</member>")) {
      --depth;
      if (depth == 0) members.push_back(xml.substr(member_start, lt - member_start));
      if (depth < 0) break;
      pos = lt + 9;
    } else {
      pos = lt + 1;
    }
  }
  return members;
}

}  // namespace slipway::aws
