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
    for (;;) {  // array blocks, each skipped whole when its byte size is given; a block of 0 ends
      int64_t count = 0, bytes = 0;
      if (!cursor.read_block_header(count, bytes)) return false;
      if (count == 0) break;
      if (bytes >= 0) {
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

LogScan::Outcome read_log_header(Cursor& cursor, const std::string& expected_schema, LogHeader& header,
                                 std::string& reason) {
  using Outcome = LogScan::Outcome;
  auto torn = [&](std::string why) { reason = std::move(why); return Outcome::torn; };
  auto damaged = [&](std::string why) { reason = std::move(why); return Outcome::damaged; };
  if (cursor.remaining() < sizeof kMagic) return torn("header cut short at byte " + std::to_string(cursor.remaining()));
  if (std::memcmp(cursor.here(), kMagic, sizeof kMagic) != 0) return damaged("not an Avro container file (magic)");
  cursor.skip(sizeof kMagic);
  std::string schema, codec = "null";
  for (;;) {  // the metadata map
    int64_t count = 0;
    if (!cursor.read_long(count)) return torn("header cut short");
    if (count == 0) break;
    if (count < 0) {
      int64_t bytes = 0;
      if (!cursor.read_long(bytes)) return torn("header cut short");
      count = -count;
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string key, value;
      if (!cursor.read_bytes(key) || !cursor.read_bytes(value)) return torn("header cut short");
      if (key == "avro.schema") schema = value;
      if (key == "avro.codec") codec = value;
    }
  }
  if (cursor.remaining() < header.sync.size()) return torn("header cut short");
  std::memcpy(header.sync.data(), cursor.here(), header.sync.size());
  cursor.skip(header.sync.size());
  if (schema != expected_schema) return damaged("the schema in its header is not the stream's");
  header.codec_name = codec;
  if (codec == "deflate") header.codec = AvroCodec::deflate;
  else if (codec == "zstandard") header.codec = AvroCodec::zstandard;
  else if (codec == "null") header.codec = AvroCodec::null;
  else return damaged("unknown avro.codec \"" + codec + "\"");
  return Outcome::clean;
}

LogScan::Outcome read_log_block(Cursor& cursor, const SyncMarker& sync, LogBlock& block, std::string& reason) {
  using Outcome = LogScan::Outcome;
  const std::size_t start = cursor.offset();
  auto at = [start] { return " at byte " + std::to_string(start); };  // failures only: no string per block
  int64_t count = 0, bytes = 0;
  if (!cursor.read_long(count) || !cursor.read_long(bytes)) {
    reason = "block cut short" + at();
    return Outcome::torn;
  }
  if (count <= 0 || bytes < 0) {
    reason = "malformed block header" + at();
    return Outcome::damaged;
  }
  if (static_cast<uint64_t>(bytes) + sync.size() > cursor.remaining()) {
    reason = "block cut short" + at();
    return Outcome::torn;
  }
  block.count = count;
  block.data = cursor.here();
  block.size = static_cast<std::size_t>(bytes);
  cursor.skip(block.size);
  if (std::memcmp(cursor.here(), sync.data(), sync.size()) != 0) {
    reason = "sync marker mismatch after the block" + at();
    return Outcome::damaged;
  }
  cursor.skip(sync.size());
  return Outcome::clean;
}

bool records_fit(const uint8_t* data, std::size_t size, int64_t count, const std::vector<Primitive>& columns) noexcept {
  Cursor records(data, size);
  for (int64_t i = 0; i < count; ++i)
    if (!skip_record(records, columns)) return false;
  return records.remaining() == 0;
}

LogScan scan_log(const uint8_t* data, std::size_t size, const std::string& expected_schema,
                 const std::vector<Primitive>& columns, const RecordVisitor& visit) {
  LogScan scan;
  Cursor cursor(data, size);
  LogHeader header;
  std::string reason;
  LogScan::Outcome outcome = read_log_header(cursor, expected_schema, header, reason);
  if (outcome != LogScan::Outcome::clean) return ended(scan, outcome, std::move(reason));
  scan.good_bytes = cursor.offset();

  BlockCodec decoder(header.codec);
  Bytes plain;
  while (cursor.remaining() > 0) {
    const std::size_t start = cursor.offset();
    const auto at = [start] { return " at byte " + std::to_string(start); };  // failures only: no string per block
    LogBlock block;
    outcome = read_log_block(cursor, header.sync, block, reason);
    // A block that makes no sense is torn if it is the last (see is_last_block):
    // `own` is where its sync marker is, once its header parsed.
    const auto bad_block = [&](const std::string& what) {
      const std::size_t own = block.data ? static_cast<std::size_t>(block.data - data) + block.size : SIZE_MAX;
      const bool last = is_last_block(data, size, start, own, header.sync);
      return ended(scan, last ? LogScan::Outcome::torn : LogScan::Outcome::damaged,
                   what + (last ? " (the last block: torn)" : ""));
    };
    if (outcome == LogScan::Outcome::damaged) return bad_block(reason);
    if (outcome != LogScan::Outcome::clean) return ended(scan, outcome, std::move(reason));
    if (!decoder.decompress(block.data, block.size, plain))
      return bad_block("block does not decompress (" + header.codec_name + ")" + at());
    if (!records_fit(plain.data(), plain.size(), block.count, columns)) {
      // Which of the two: a record that does not parse, or bytes left after the last.
      Cursor records(plain.data(), plain.size());
      for (int64_t i = 0; i < block.count; ++i)
        if (!skip_record(records, columns)) return bad_block("malformed record in the block" + at());
      return bad_block("block holds more bytes than its records" + at());
    }
    if (visit) {
      Cursor again(plain.data(), plain.size());
      for (int64_t i = 0; i < block.count; ++i) {
        const std::size_t record_start = again.offset();
        skip_record(again, columns);
        visit(plain.data() + record_start, again.offset() - record_start);
      }
    }
    scan.good_bytes = cursor.offset();
    ++scan.blocks;
    scan.records += static_cast<uint64_t>(block.count);
  }
  return scan;
}

}  // namespace simingest::storage::avro
