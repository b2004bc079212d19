#include "storage/avro_log_scan.hpp"

#include <cstdint>
#include <cstring>

namespace simingest::storage::avro {

namespace {

std::size_t primitive_width(Primitive primitive) noexcept {
  return primitive == Primitive::float_ ? 4 : primitive == Primitive::double_ ? 8 : 0;  // 0: a varint
}

bool skip_value(Cursor& cursor, Primitive primitive) noexcept {
  if (const std::size_t width = primitive_width(primitive)) return cursor.skip(width);
  int64_t value = 0;
  return cursor.read_long(value);
}

// One record: step, time, then per column a union branch (0 plain, 1 array).
bool skip_record(Cursor& cursor, const std::vector<Primitive>& columns) noexcept {
  int64_t step = 0;
  if (!cursor.read_long(step) || !cursor.skip(8)) return false;
  for (Primitive column : columns) {
    int64_t branch = 0;
    if (!cursor.read_long(branch)) return false;
    if (branch == 0) {
      if (!skip_value(cursor, column)) return false;
      continue;
    }
    if (branch != 1) return false;
    for (;;) {  // array blocks: count (negative: followed by the block's byte size), items; 0 ends
      int64_t count = 0;
      if (!cursor.read_long(count)) return false;
      if (count == 0) break;
      if (count < 0) {
        int64_t bytes = 0;
        if (!cursor.read_long(bytes) || bytes < 0 || count == INT64_MIN) return false;
        if (!cursor.skip(static_cast<std::size_t>(bytes))) return false;
        continue;
      }
      const std::size_t width = primitive_width(column);
      if (width != 0) {
        if (static_cast<uint64_t>(count) > cursor.remaining() / width) return false;
        cursor.skip(static_cast<std::size_t>(count) * width);
      } else {
        for (int64_t i = 0; i < count; ++i)
          if (!skip_value(cursor, column)) return false;
      }
    }
  }
  return true;
}

LogScan ended(LogScan scan, LogScan::Outcome outcome, std::string reason) {
  scan.outcome = outcome;
  scan.reason = std::move(reason);
  return scan;
}

// Whether the bad block starting at `start` is the file's last: no other
// block's sync marker follows it. `own` is where the block's own marker is
// (SIZE_MAX if its header did not parse: then an occurrence ending the file
// is taken to be its own). The writer fsyncs each block before it writes the
// next, so a crash can only leave the last block unsynced — cut short, or
// whole in size with a page of zeros or garbage inside (write-back out of
// order). Such a block is torn, not damage; a bad block followed by another
// cannot come from a crash.
bool is_last_block(const uint8_t* data, std::size_t size, std::size_t start, std::size_t own,
                   const SyncMarker& sync) noexcept {
  for (std::size_t at = start; at + sync.size() <= size; ++at) {
    if (std::memcmp(data + at, sync.data(), sync.size()) != 0 || at == own) continue;
    if (own != SIZE_MAX || at + sync.size() < size) return false;
  }
  return true;
}

}  // namespace

LogScan scan_log(const uint8_t* data, std::size_t size, const std::string& expected_schema,
                 const std::vector<Primitive>& columns, const RecordVisitor& visit) {
  LogScan scan;
  Cursor cursor(data, size);
  using Outcome = LogScan::Outcome;
  if (size < sizeof kMagic)
    return ended(scan, Outcome::torn, "header cut short at byte " + std::to_string(size));
  if (std::memcmp(data, kMagic, sizeof kMagic) != 0) return ended(scan, Outcome::damaged, "not an Avro container file (magic)");
  cursor.skip(sizeof kMagic);

  std::string schema, codec = "null";
  for (;;) {  // the metadata map
    int64_t count = 0;
    if (!cursor.read_long(count)) return ended(scan, Outcome::torn, "header cut short");
    if (count == 0) break;
    if (count < 0) {
      int64_t bytes = 0;
      if (!cursor.read_long(bytes)) return ended(scan, Outcome::torn, "header cut short");
      count = -count;
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string key, value;
      if (!cursor.read_bytes(key) || !cursor.read_bytes(value)) return ended(scan, Outcome::torn, "header cut short");
      if (key == "avro.schema") schema = value;
      if (key == "avro.codec") codec = value;
    }
  }
  SyncMarker sync{};
  if (cursor.remaining() < sync.size()) return ended(scan, Outcome::torn, "header cut short");
  std::memcpy(sync.data(), cursor.here(), sync.size());
  cursor.skip(sync.size());
  if (schema != expected_schema) return ended(scan, Outcome::damaged, "the schema in its header is not the stream's");
  AvroCodec block_codec = AvroCodec::null;
  if (codec == "deflate") block_codec = AvroCodec::deflate;
  else if (codec == "zstandard") block_codec = AvroCodec::zstandard;
  else if (codec != "null") return ended(scan, Outcome::damaged, "unknown avro.codec \"" + codec + "\"");
  scan.good_bytes = cursor.offset();

  BlockCodec decoder(block_codec);
  Bytes plain;
  while (cursor.remaining() > 0) {
    const std::size_t start = cursor.offset();
    const std::string at = " at byte " + std::to_string(start);
    // A block that makes no sense is torn if it is the last (see is_last_block).
    std::size_t own = SIZE_MAX;  // where its sync marker should be, once its header parsed
    const auto bad_block = [&](const std::string& what) {
      const bool last = is_last_block(data, size, start, own, sync);
      return ended(scan, last ? Outcome::torn : Outcome::damaged, what + at + (last ? " (the last block: torn)" : ""));
    };
    int64_t count = 0, bytes = 0;
    if (!cursor.read_long(count) || !cursor.read_long(bytes)) return ended(scan, Outcome::torn, "block cut short" + at);
    if (count <= 0 || bytes < 0) return bad_block("malformed block header");
    if (static_cast<uint64_t>(bytes) + sync.size() > cursor.remaining())
      return ended(scan, Outcome::torn, "block cut short" + at);
    own = cursor.offset() + static_cast<std::size_t>(bytes);
    const uint8_t* body = cursor.here();
    cursor.skip(static_cast<std::size_t>(bytes));
    if (std::memcmp(cursor.here(), sync.data(), sync.size()) != 0)
      return bad_block("sync marker mismatch after the block");
    cursor.skip(sync.size());
    if (!decoder.decompress(body, static_cast<std::size_t>(bytes), plain))
      return bad_block(std::string("block does not decompress (") + codec + ")");
    Cursor records(plain.data(), plain.size());
    for (int64_t i = 0; i < count; ++i)
      if (!skip_record(records, columns)) return bad_block("malformed record in the block");
    if (records.remaining() != 0) return bad_block("block holds more bytes than its records");
    if (visit) {
      Cursor again(plain.data(), plain.size());
      for (int64_t i = 0; i < count; ++i) {
        const std::size_t record_start = again.offset();
        skip_record(again, columns);
        visit(plain.data() + record_start, again.offset() - record_start);
      }
    }
    scan.good_bytes = cursor.offset();
    ++scan.blocks;
    scan.records += static_cast<uint64_t>(count);
  }
  return scan;
}

}  // namespace simingest::storage::avro
