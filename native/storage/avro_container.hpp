// The realtime log's file format: Avro object container files (Avro 1.11
// specification, "Object Container Files"), written by simingest itself
// (docs/adr/0015-own-avro-writer.md).
//
//   header  "Obj" 0x01, the metadata map (avro.schema, avro.codec), a 16-byte
//           sync marker chosen at random per file
//   block*  record count (long), byte size of the data (long), the records
//           (compressed as avro.codec says), the sync marker again
//
// One record per frame: step (long), time (double), then one field per
// column in declared order, each a union of the plain type (a scalar) and an
// array of it (an array of the frame's values): ["float", {"type": "array",
// "items": "float"}]. Integer dtypes up to 32 bits (and int32) are Avro int,
// uint32 and int64 are long; uint64 has no Avro type and cannot be routed
// to the log (core/config.cpp refuses it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "storage/avro_binary.hpp"

namespace simingest::storage::avro {

inline constexpr std::size_t kSyncBytes = 16;
using SyncMarker = std::array<uint8_t, kSyncBytes>;
inline constexpr uint8_t kMagic[4] = {'O', 'b', 'j', 1};

enum class Primitive { int_, long_, float_, double_ };

// The Avro type a column of `dtype` is written as. Precondition: not uint64.
Primitive primitive_of(Dtype dtype) noexcept;
const char* primitive_name(Primitive primitive) noexcept;
// "null", "deflate", "zstandard": the avro.codec value.
const char* codec_name(AvroCodec codec) noexcept;

// The record schema of `stream`'s log, as the header's avro.schema holds it.
std::string log_schema_json(const StreamConfig& stream);

// The Avro types of the stream's columns, in declared order.
std::vector<Primitive> log_column_types(const StreamConfig& stream);

// 16 bytes from the system's random source: a marker no record is likely to contain.
SyncMarker random_sync_marker();

// The header of a new log file.
Bytes container_header(const std::string& schema_json, AvroCodec codec, const SyncMarker& sync);

// Appends one block: count, size of `data` (already compressed), data, sync.
void append_block(Bytes& out, int64_t count, const uint8_t* data, std::size_t size, const SyncMarker& sync);

// Compresses and decompresses block data for one codec. Contexts are created
// once and reused. `deflate` is raw RFC 1951 data (no zlib header or
// checksum); `zstandard` is one zstd frame holding the block.
class BlockCodec {
 public:
  explicit BlockCodec(AvroCodec codec);
  ~BlockCodec();
  BlockCodec(const BlockCodec&) = delete;
  BlockCodec& operator=(const BlockCodec&) = delete;

  AvroCodec codec() const noexcept { return codec_; }
  // Appends the compressed form of `size` bytes at `data` to `out`.
  // Throws Error(internal) if the library fails.
  void compress(const uint8_t* data, std::size_t size, Bytes& out);
  // Replaces `out` with the decompressed data; false if it is malformed.
  bool decompress(const uint8_t* data, std::size_t size, Bytes& out);

 private:
  AvroCodec codec_;
  void* zstd_c_ = nullptr;  // ZSTD_CCtx*
  void* zstd_d_ = nullptr;  // ZSTD_DCtx*
  void* deflate_ = nullptr; // z_stream*, deflate side
};

}  // namespace simingest::storage::avro
