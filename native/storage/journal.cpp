#include "storage/journal.hpp"

#include <cstring>
#include <limits>

#include "core/dtype.hpp"
#include "kernels/crc32c.hpp"

namespace simingest::storage {

namespace {

constexpr char kMagic[8] = {'S', 'I', 'J', 'R', 'N', 'L', '0', '1'};
constexpr uint8_t kHeaderKind = 'H';
constexpr uint8_t kRowGroupKind = 'R';
constexpr std::size_t kRecordPrefixBytes = 8;  // u32 length + u32 CRC

void put_u32(std::vector<uint8_t>& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void put_u64(std::vector<uint8_t>& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}
void put_i64(std::vector<uint8_t>& out, int64_t value) { put_u64(out, static_cast<uint64_t>(value)); }
void put_f64(std::vector<uint8_t>& out, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_u64(out, bits);
}
void put_bytes(std::vector<uint8_t>& out, const void* data, std::size_t size) {
  put_u64(out, size);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out.insert(out.end(), bytes, bytes + size);
}
void put_string(std::vector<uint8_t>& out, const std::string& text) { put_bytes(out, text.data(), text.size()); }

uint32_t load_u32(const uint8_t* p) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(p[i]) << (8 * i);
  return value;
}

// Turns the payload appended to `out` from `start` on into a record: makes
// room for length and CRC in front of it and fills them in.
void seal_record(std::vector<uint8_t>& out, std::size_t start) {
  const std::size_t length = out.size() - start;
  out.insert(out.begin() + static_cast<std::ptrdiff_t>(start), kRecordPrefixBytes, 0);
  uint8_t* frame = out.data() + start;
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<uint8_t>(length >> (8 * i));
  uint32_t crc = kernels::crc32c_extend(0, frame, 4);
  crc = kernels::crc32c_extend(crc, frame + kRecordPrefixBytes, length);
  for (int i = 0; i < 4; ++i) frame[4 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

// Reads a payload; every read fails softly (ok() turns false) past the end.
class PayloadReader {
 public:
  PayloadReader(const uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}
  bool ok() const { return ok_; }
  bool at_end() const { return p_ == end_; }
  uint8_t u8() {
    if (!need(1)) return 0;
    return *p_++;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t value = load_u32(p_);
    p_ += 4;
    return value;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return value;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    uint64_t bits = u64();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  std::string string() {
    uint64_t size = u64();
    if (!need(size)) return {};
    std::string text(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(size));
    p_ += size;
    return text;
  }
  std::vector<uint8_t> bytes() {
    uint64_t size = u64();
    if (!need(size)) return {};
    std::vector<uint8_t> value(p_, p_ + size);
    p_ += size;
    return value;
  }
  // A count of items that take at least `min_item_bytes` each: bounded by
  // what is left, so garbage cannot make us allocate gigabytes.
  uint32_t count(std::size_t min_item_bytes) {
    uint32_t n = u32();
    if (ok_ && static_cast<uint64_t>(n) * min_item_bytes > static_cast<uint64_t>(end_ - p_)) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool need(uint64_t size) {
    if (!ok_ || size > static_cast<uint64_t>(end_ - p_)) {
      ok_ = false;
      return false;
    }
    return true;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

bool decode_header(PayloadReader& in, JournalHeader& header) {
  header.stream = in.string();
  header.partition = in.i64();
  header.path = in.string();
  header.schema.root_name = in.string();
  const uint32_t columns = in.count(9);
  for (uint32_t c = 0; c < columns && in.ok(); ++c) {
    parquet::ColumnDescriptor column;
    column.name = in.string();
    std::optional<Dtype> dtype = dtype_from_name(in.string());
    if (!dtype) return false;
    column.dtype = *dtype;
    header.schema.columns.push_back(std::move(column));
  }
  const uint32_t pairs = in.count(16);
  for (uint32_t i = 0; i < pairs && in.ok(); ++i) {
    parquet::KeyValue kv;
    kv.key = in.string();
    kv.value = in.string();
    header.key_values.push_back(std::move(kv));
  }
  return in.ok() && in.at_end();
}

bool decode_record(PayloadReader& in, JournalRecord& record) {
  record.index = in.u32();
  record.end_offset = in.u64();
  record.data_crc = in.u32();
  record.rows = in.i64();
  record.frames = in.i64();
  record.step_min = in.i64();
  record.step_max = in.i64();
  record.time_min = in.f64();
  record.time_max = in.f64();
  const uint32_t columns = in.count(16);
  for (uint32_t c = 0; c < columns && in.ok(); ++c) {
    const int64_t uncompressed = in.i64();
    const int64_t compressed = in.i64();
    record.column_bytes.emplace_back(uncompressed, compressed);
  }
  record.row_group_metadata = in.bytes();
  return in.ok() && in.at_end();
}

}  // namespace

void append_journal_header(const JournalHeader& header, std::vector<uint8_t>& out) {
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  const std::size_t start = out.size();
  out.push_back(kHeaderKind);
  put_string(out, header.stream);
  put_i64(out, header.partition);
  put_string(out, header.path);
  put_string(out, header.schema.root_name);
  put_u32(out, static_cast<uint32_t>(header.schema.columns.size()));
  for (const parquet::ColumnDescriptor& column : header.schema.columns) {
    put_string(out, column.name);
    const std::string_view dtype = dtype_name(column.dtype);
    put_bytes(out, dtype.data(), dtype.size());
  }
  put_u32(out, static_cast<uint32_t>(header.key_values.size()));
  for (const parquet::KeyValue& kv : header.key_values) {
    put_string(out, kv.key);
    put_string(out, kv.value);
  }
  seal_record(out, start);
}

void append_journal_record(const JournalRecord& record, std::vector<uint8_t>& out) {
  const std::size_t start = out.size();
  out.push_back(kRowGroupKind);
  put_u32(out, record.index);
  put_u64(out, record.end_offset);
  put_u32(out, record.data_crc);
  put_i64(out, record.rows);
  put_i64(out, record.frames);
  put_i64(out, record.step_min);
  put_i64(out, record.step_max);
  put_f64(out, record.time_min);
  put_f64(out, record.time_max);
  put_u32(out, static_cast<uint32_t>(record.column_bytes.size()));
  for (const auto& [uncompressed, compressed] : record.column_bytes) {
    put_i64(out, uncompressed);
    put_i64(out, compressed);
  }
  put_bytes(out, record.row_group_metadata.data(), record.row_group_metadata.size());
  seal_record(out, start);
}

JournalContents parse_journal(const uint8_t* data, std::size_t size) {
  JournalContents contents;
  if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0) return contents;
  std::size_t pos = sizeof kMagic;
  uint64_t previous_end = 0;
  for (;;) {
    contents.intact_bytes = pos;
    if (size - pos < kRecordPrefixBytes) break;
    const uint32_t length = load_u32(data + pos);
    if (length == 0 || length > size - pos - kRecordPrefixBytes) break;
    uint32_t crc = kernels::crc32c_extend(0, data + pos, 4);
    crc = kernels::crc32c_extend(crc, data + pos + kRecordPrefixBytes, length);
    if (crc != load_u32(data + pos + 4)) break;
    PayloadReader in(data + pos + kRecordPrefixBytes, length);
    const uint8_t kind = in.u8();
    if (!contents.header) {
      JournalHeader header;
      if (kind != kHeaderKind || !decode_header(in, header)) break;
      contents.header = std::move(header);
    } else {
      JournalRecord record;
      if (kind != kRowGroupKind || !decode_record(in, record)) break;
      // Records follow their row groups in order, each ending further on.
      if (record.index != contents.records.size() || record.end_offset <= previous_end) break;
      if (record.column_bytes.size() != contents.header->schema.columns.size()) break;
      previous_end = record.end_offset;
      contents.records.push_back(std::move(record));
    }
    pos += kRecordPrefixBytes + length;
  }
  return contents;
}

}  // namespace simingest::storage
