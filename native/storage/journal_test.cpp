#include "storage/journal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace simingest::storage {
namespace {

JournalHeader sample_header() {
  JournalHeader header;
  header.stream = "fields";
  header.partition = 7;
  header.path = "fields/part=7/part-00000003-0badcafe.parquet";
  header.schema.columns = {{"step", Dtype::int64, ColumnEncoding::automatic},
                           {"time", Dtype::float64, ColumnEncoding::automatic},
                           {"vx", Dtype::uint16, ColumnEncoding::automatic}};
  header.key_values = {{"simingest.stream", "fields"}, {"simingest.grid", "[2,3]"}};
  return header;
}

JournalRecord sample_record(uint32_t index) {
  JournalRecord record;
  record.index = index;
  record.end_offset = 1000 * (index + 1);
  record.data_crc = 0xA5A50000u + index;
  record.rows = 6 + index;
  record.frames = 1 + index;
  record.step_min = 10 * index;
  record.step_max = 10 * index + 3;
  record.time_min = -0.5 * index;
  record.time_max = 2.25;
  record.column_bytes = {{100, 50}, {200, 60}, {300 + index, 70}};
  record.row_group_metadata = {0x19, 0x2c, static_cast<uint8_t>(index), 0x00};
  return record;
}

void expect_same(const JournalRecord& a, const JournalRecord& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.end_offset, b.end_offset);
  EXPECT_EQ(a.data_crc, b.data_crc);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.step_min, b.step_min);
  EXPECT_EQ(a.step_max, b.step_max);
  EXPECT_EQ(a.time_min, b.time_min);
  EXPECT_EQ(a.time_max, b.time_max);
  EXPECT_EQ(a.column_bytes, b.column_bytes);
  EXPECT_EQ(a.row_group_metadata, b.row_group_metadata);
}

// A journal with a header and three records, and where each record ends.
struct SampleJournal {
  std::vector<uint8_t> bytes;
  std::vector<std::size_t> ends;  // ends[0]: the header's end; ends[i]: record i-1's
};

SampleJournal sample_journal() {
  SampleJournal journal;
  append_journal_header(sample_header(), journal.bytes);
  journal.ends.push_back(journal.bytes.size());
  for (uint32_t i = 0; i < 3; ++i) {
    append_journal_record(sample_record(i), journal.bytes);
    journal.ends.push_back(journal.bytes.size());
  }
  return journal;
}

TEST(JournalTest, header_and_records_read_back_as_written) {
  const SampleJournal journal = sample_journal();
  const JournalContents contents = parse_journal(journal.bytes.data(), journal.bytes.size());
  ASSERT_TRUE(contents.header);
  const JournalHeader expected = sample_header();
  EXPECT_EQ(contents.header->stream, expected.stream);
  EXPECT_EQ(contents.header->partition, expected.partition);
  EXPECT_EQ(contents.header->path, expected.path);
  ASSERT_EQ(contents.header->schema.columns.size(), 3u);
  EXPECT_EQ(contents.header->schema.columns[2].name, "vx");
  EXPECT_EQ(contents.header->schema.columns[2].dtype, Dtype::uint16);
  ASSERT_EQ(contents.header->key_values.size(), 2u);
  EXPECT_EQ(contents.header->key_values[1].key, "simingest.grid");
  EXPECT_EQ(contents.header->key_values[1].value, "[2,3]");
  ASSERT_EQ(contents.records.size(), 3u);
  for (uint32_t i = 0; i < 3; ++i) expect_same(contents.records[i], sample_record(i));
  EXPECT_EQ(contents.intact_bytes, journal.bytes.size());
}

// A crash can cut the journal anywhere: only whole records count.
TEST(JournalTest, a_journal_cut_anywhere_keeps_exactly_the_whole_records) {
  const SampleJournal journal = sample_journal();
  for (std::size_t cut = 0; cut <= journal.bytes.size(); ++cut) {
    const JournalContents contents = parse_journal(journal.bytes.data(), cut);
    std::size_t whole = 0;
    while (whole < journal.ends.size() && journal.ends[whole] <= cut) ++whole;
    EXPECT_EQ(contents.header.has_value(), whole >= 1) << "cut at " << cut;
    EXPECT_EQ(contents.records.size(), whole >= 1 ? whole - 1 : 0) << "cut at " << cut;
  }
}

// A flipped bit anywhere is caught by the record's CRC (or, in the magic,
// by the magic): the damaged record and everything after it are dropped.
TEST(JournalTest, a_flipped_bit_drops_its_record_and_the_rest) {
  const SampleJournal journal = sample_journal();
  for (std::size_t at = 0; at < journal.bytes.size(); ++at) {
    std::vector<uint8_t> damaged = journal.bytes;
    damaged[at] ^= static_cast<uint8_t>(1u << (at % 8));
    const JournalContents contents = parse_journal(damaged.data(), damaged.size());
    std::size_t record_of_byte = 0;  // 0: magic or header; i: record i-1
    while (journal.ends[record_of_byte] <= at) ++record_of_byte;
    EXPECT_EQ(contents.header.has_value(), record_of_byte >= 1) << "bit flipped in byte " << at;
    EXPECT_EQ(contents.records.size(), record_of_byte >= 1 ? record_of_byte - 1 : 0) << "byte " << at;
    for (std::size_t i = 0; i < contents.records.size(); ++i) expect_same(contents.records[i], sample_record(i));
  }
}

TEST(JournalTest, garbage_after_the_records_is_ignored_and_garbage_alone_gives_nothing) {
  std::mt19937 random(42);
  const SampleJournal journal = sample_journal();
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> bytes = journal.bytes;
    const std::size_t garbage = 1 + random() % 300;
    for (std::size_t i = 0; i < garbage; ++i) bytes.push_back(static_cast<uint8_t>(random()));
    EXPECT_EQ(parse_journal(bytes.data(), bytes.size()).records.size(), 3u);
    std::vector<uint8_t> noise(garbage);
    for (auto& b : noise) b = static_cast<uint8_t>(random());
    EXPECT_FALSE(parse_journal(noise.data(), noise.size()).header);
  }
}

TEST(JournalTest, records_out_of_sequence_end_the_journal) {
  std::vector<uint8_t> bytes;
  append_journal_header(sample_header(), bytes);
  append_journal_record(sample_record(0), bytes);
  append_journal_record(sample_record(2), bytes);  // index 1 is missing
  EXPECT_EQ(parse_journal(bytes.data(), bytes.size()).records.size(), 1u);

  bytes.clear();
  append_journal_header(sample_header(), bytes);
  JournalRecord first = sample_record(0), second = sample_record(1);
  second.end_offset = first.end_offset;  // a row group of no bytes cannot be
  append_journal_record(first, bytes);
  append_journal_record(second, bytes);
  EXPECT_EQ(parse_journal(bytes.data(), bytes.size()).records.size(), 1u);
}

}  // namespace
}  // namespace simingest::storage
