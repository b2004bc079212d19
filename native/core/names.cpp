#include "core/names.hpp"

namespace simingest {

namespace {

constexpr bool is_name_start(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

constexpr bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }

// Input bytes shown before the cut; a log line stays readable however long the name.
constexpr std::size_t kQuotedNameMaxBytes = 80;

}  // namespace

bool is_valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNameLength || !is_name_start(name[0])) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

bool is_reserved_column_name(std::string_view name) noexcept {
  return name == "step" || name == "time";
}

std::string quote_name(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool cut = name.size() > kQuotedNameMaxBytes;
  if (cut) name = name.substr(0, kQuotedNameMaxBytes);

  std::string out;
  out.reserve(name.size() + 8);
  out += '"';
  for (char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      // Escaped so the closing quote is always ours and the text reads unambiguously.
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      // Control bytes could rewrite a terminal or split a log line; non-ASCII bytes
      // may be invalid UTF-8. Escaping byte by byte shows exactly what was passed.
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (cut) out += "\xe2\x80\xa6";  // U+2026 HORIZONTAL ELLIPSIS: the name goes on
  out += '"';
  return out;
}

}  // namespace simingest
