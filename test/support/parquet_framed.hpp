// Bytes framed like a Parquet file: "PAR1", `body`, a footer, the footer's
// 4-byte little-endian length and "PAR1". That framing is all the storage
// layer checks of a file it commits or opens (storage/verify.hpp); no Parquet
// reader could read these bytes. Test-only.
#pragma once

#include <cstdint>
#include <string>

namespace simingest::testing_support {

inline std::string parquet_framed(const std::string& body, const std::string& footer = "footer") {
  const auto length = static_cast<uint32_t>(footer.size());
  std::string bytes = "PAR1" + body + footer;
  for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>((length >> shift) & 0xffu));
  return bytes + "PAR1";
}

}  // namespace simingest::testing_support
