// The realtime log's container format against its own scanner: every cut
// point of a file is either a block boundary (clean, fewer blocks) or torn
// with everything before the cut block kept; bytes that are all there but
// wrong are damaged. fastavro and avsc read the same files in
// test/python/test_realtime_log.py and test/node/realtime_log.test.ts.
#include <gtest/gtest.h>

#include <algorithm>

#include <string>
#include <vector>

#include "core/config.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_log_scan.hpp"

namespace simingest::storage::avro {
namespace {

const Config kConfig = parse_config(
    R"({"streams":{"s":{"columns":{"x":"float32","n":"int64"},"route":"realtime"}}})");
const StreamConfig& kStream = kConfig.streams[0];

// Record i: step i, time i/2, x = [i, -i] (the array branch), n = i * 1e12 (the scalar branch).
void append_record(Bytes& out, int64_t i) {
  append_long(out, i);
  append_double(out, static_cast<double>(i) / 2);
  append_long(out, 1);
  append_long(out, 2);
  const float x[2] = {static_cast<float>(i), -static_cast<float>(i)};
  append_raw(out, x, sizeof x);
  append_long(out, 0);
  append_long(out, 0);
  append_long(out, i * 1000000000000);
}

struct File {
  Bytes bytes;
  std::vector<std::size_t> boundaries;  // end of the header, then of each block
};

File make_file(AvroCodec codec, int blocks) {
  const SyncMarker sync = random_sync_marker();
  File file;
  file.bytes = container_header(log_schema_json(kStream), codec, sync);
  file.boundaries.push_back(file.bytes.size());
  BlockCodec compressor(codec);
  int64_t step = 0;
  for (int b = 0; b < blocks; ++b) {
    Bytes records, compressed;
    for (int r = 0; r <= b; ++r) append_record(records, step++);
    compressor.compress(records.data(), records.size(), compressed);
    append_block(file.bytes, b + 1, compressed.data(), compressed.size(), sync);
    file.boundaries.push_back(file.bytes.size());
  }
  return file;
}

LogScan scan(const Bytes& bytes, std::size_t size) {
  return scan_log(bytes.data(), size, log_schema_json(kStream), log_column_types(kStream));
}

TEST(AvroLogScan, schema_names_every_column_as_a_union_of_scalar_and_array) {
  EXPECT_EQ(log_schema_json(kStream),
            R"({"type":"record","name":"s","namespace":"simingest","fields":[{"name":"step","type":"long"},)"
            R"({"name":"time","type":"double"},{"name":"x","type":["float",{"type":"array","items":"float"}]},)"
            R"({"name":"n","type":["long",{"type":"array","items":"long"}]}]})");
}

TEST(AvroLogScan, every_codec_round_trips_and_every_cut_is_a_boundary_or_torn) {
  for (AvroCodec codec : {AvroCodec::null, AvroCodec::deflate, AvroCodec::zstandard}) {
    const File file = make_file(codec, 4);
    const LogScan whole = scan(file.bytes, file.bytes.size());
    ASSERT_EQ(whole.outcome, LogScan::Outcome::clean) << codec_name(codec) << ": " << whole.reason;
    EXPECT_EQ(whole.blocks, 4u);
    EXPECT_EQ(whole.records, 10u);
    for (std::size_t cut = 0; cut < file.bytes.size(); ++cut) {
      const LogScan result = scan(file.bytes, cut);
      std::size_t kept = 0;  // the last boundary at or before the cut (0: not even the header)
      for (std::size_t boundary : file.boundaries)
        if (boundary <= cut) kept = boundary;
      const bool at_boundary = kept == cut && cut != 0;  // an empty file has not even its header
      ASSERT_EQ(result.outcome, at_boundary ? LogScan::Outcome::clean : LogScan::Outcome::torn)
          << codec_name(codec) << " cut at " << cut << ": " << result.reason;
      ASSERT_EQ(result.good_bytes, kept) << codec_name(codec) << " cut at " << cut;
    }
  }
}

TEST(AvroLogScan, bytes_that_are_there_but_wrong_are_damaged_unless_in_the_last_block) {
  const File file = make_file(AvroCodec::deflate, 3);
  auto damaged_by = [&](std::size_t offset, uint8_t mask) {
    Bytes bytes = file.bytes;
    bytes[offset] ^= mask;
    return scan(bytes, bytes.size());
  };
  EXPECT_EQ(damaged_by(0, 0x01).outcome, LogScan::Outcome::damaged);                       // magic
  EXPECT_EQ(damaged_by(file.boundaries[2] - 1, 0x80).outcome, LogScan::Outcome::damaged);  // a sync marker
  // The second block's record count, 2 (zigzag 4) made 3: its data holds fewer records.
  EXPECT_EQ(damaged_by(file.boundaries[1], 0x02).outcome, LogScan::Outcome::damaged);
  // The same damage in the last block is what a crash leaves when write-back
  // got the size but not every page of an unsynced block (the torn_tail
  // crash model): torn, cut after the block before (the writer fsyncs each
  // block before writing the next, so only the last can be unsynced).
  const LogScan last = damaged_by(file.boundaries[2], 0x02);
  EXPECT_EQ(last.outcome, LogScan::Outcome::torn) << last.reason;
  EXPECT_EQ(last.good_bytes, file.boundaries[2]);
  const LogScan zeroed = [&] {
    Bytes bytes = file.bytes;
    bytes.insert(bytes.end(), 64, 0);  // a zero-filled tail
    return scan(bytes, bytes.size());
  }();
  EXPECT_EQ(zeroed.outcome, LogScan::Outcome::torn) << zeroed.reason;
  EXPECT_EQ(zeroed.good_bytes, file.bytes.size());
  const LogScan zeroed_page = [&] {
    Bytes bytes = file.bytes;
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(file.boundaries[2]) + 2, bytes.end() - 16, 0);
    return scan(bytes, bytes.size());
  }();
  EXPECT_EQ(zeroed_page.outcome, LogScan::Outcome::torn) << zeroed_page.reason;
  EXPECT_EQ(zeroed_page.good_bytes, file.boundaries[2]);

  // Another stream's schema in the header.
  const Config other = parse_config(R"({"streams":{"s":{"columns":{"x":"float64"},"route":"realtime"}}})");
  const LogScan mismatch =
      scan_log(file.bytes.data(), file.bytes.size(), log_schema_json(other.streams[0]), log_column_types(other.streams[0]));
  EXPECT_EQ(mismatch.outcome, LogScan::Outcome::damaged);
  EXPECT_EQ(mismatch.reason, "the schema in its header is not the stream's");
}

}  // namespace
}  // namespace simingest::storage::avro
