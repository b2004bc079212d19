// What every error message of the library must be, whatever input caused it:
// hosts print it, log it and turn it into a JS or Python string.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/harnesses.hpp"

namespace simingest::fuzz {

namespace {

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = at(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  uint8_t lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) lo = 0xa0;
    if (lead == 0xed) hi = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) lo = 0x90;
    if (lead == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) return 0;
  return length;
}

}  // namespace

std::string check_message(std::string_view message) {
  if (message.empty()) return "the error message is empty";
  for (std::size_t i = 0; i < message.size();) {
    const auto byte = static_cast<uint8_t>(message[i]);
    if (byte < 0x20 || byte == 0x7f)
      return "the error message holds control byte " + std::to_string(byte) + " at " + std::to_string(i);
    const std::size_t length = utf8_sequence(message, i);
    if (length == 0) return "the error message is not valid UTF-8 at byte " + std::to_string(i);
    i += length;
  }
  return "";
}

}  // namespace simingest::fuzz
