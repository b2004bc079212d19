#include "core/config_document.hpp"

#include "core/config_limits.hpp"
#include "core/ordered_json.hpp"
#include "core/status.hpp"

namespace simingest {

namespace {

using Json = nlohmann::ordered_json;

// e.what(): "[json.exception.parse_error.101] parse error at line L, column C: <reason>"
std::string_view without_exception_id(std::string_view what) {
  const auto bracket = what.find("] ");
  if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
  return what;
}

}  // namespace

std::string escape_message(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Json parse_config_document(std::string_view text) {
  check_config_document_limits(text);  // before a tree of unbounded size or depth is built
  try {
    return parse_ordered_json(text, [](const std::string& path) { throw Error(Status::config, path + ": duplicate key"); });
  } catch (const Json::parse_error& e) {
    std::string_view what = without_exception_id(e.what());
    std::string where = "byte " + std::to_string(e.byte);
    const auto line = what.find(" at line ");
    const auto colon = what.find(": ");
    if (line != std::string_view::npos && colon != std::string_view::npos && line < colon) {
      where += " (" + std::string(what.substr(line + 4, colon - line - 4)) + ")";
      what.remove_prefix(colon + 2);
    }
    throw Error(Status::config, "config: malformed JSON: " + where + ": " + escape_message(what));
  } catch (const Json::exception& e) {
    // e.g. out_of_range: "number overflow parsing '1e400'"
    throw Error(Status::config, "config: malformed JSON: " + escape_message(without_exception_id(e.what())));
  }
}

}  // namespace simingest
