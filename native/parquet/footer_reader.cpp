#include "parquet/footer_reader.hpp"

#include <cstring>
#include <vector>

#include "core/status.hpp"
#include "parquet/metadata_reader.hpp"

namespace simingest::parquet {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr uint64_t kTail = 8;  // footer length (4 bytes LE) + magic

[[noreturn]] void corrupt(const ByteSource& source, const std::string& what) {
  throw Error(Status::corrupt, source.name() + ": " + what);
}

}  // namespace

uint64_t footer_offset(const ByteSource& source) {
  const uint64_t size = source.size();
  if (size < sizeof kMagic + kTail)
    corrupt(source, "not a Parquet file: " + std::to_string(size) + " bytes");
  uint8_t head[4];
  source.read_at(0, head, sizeof head);
  if (std::memcmp(head, kMagic, sizeof kMagic) != 0) corrupt(source, "not a Parquet file: no leading PAR1");
  uint8_t tail[kTail];
  source.read_at(size - kTail, tail, sizeof tail);
  if (std::memcmp(tail + 4, kMagic, sizeof kMagic) != 0) corrupt(source, "no trailing PAR1 (truncated?)");
  const uint64_t length = static_cast<uint64_t>(tail[0]) | static_cast<uint64_t>(tail[1]) << 8 |
                          static_cast<uint64_t>(tail[2]) << 16 | static_cast<uint64_t>(tail[3]) << 24;
  if (length > size - sizeof kMagic - kTail)
    corrupt(source, "footer length " + std::to_string(length) + " exceeds the file");
  return size - kTail - length;
}

format::FileMetaData read_footer(const ByteSource& source) {
  const uint64_t offset = footer_offset(source);
  std::vector<uint8_t> bytes(static_cast<std::size_t>(source.size() - kTail - offset));
  source.read_at(offset, bytes.data(), bytes.size());
  thrift::CompactReader reader(bytes.data(), bytes.size(), source.name() + ": footer");
  format::FileMetaData metadata;
  format::read(reader, metadata);
  if (reader.position() != bytes.size()) reader.fail("trailing bytes after FileMetaData");
  return metadata;
}

}  // namespace simingest::parquet
