// Arrow IPC Schema message (arrow_schema.hpp), written with a small forward
// flatbuffer builder: every object is placed after the one that refers to it,
// so each uoffset (unsigned, pointing forward) is patched once its target is
// written; a table's vtable sits just before the table (soffset > 0). Every
// scalar is aligned to its size from the start of the flatbuffer, as the
// flatbuffers verifier Arrow runs requires.
#include "parquet/arrow_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace simingest::parquet {

namespace {

// Schema.fbs / Message.fbs enum values.
constexpr uint8_t kTypeInt = 2;
constexpr uint8_t kTypeFloatingPoint = 3;
constexpr int16_t kPrecisionSingle = 1;
constexpr int16_t kPrecisionDouble = 2;
constexpr uint8_t kHeaderSchema = 1;
constexpr int16_t kMetadataV5 = 4;

class ForwardBuilder {
 public:
  // A table field: a scalar of 1, 2, 4 or 8 bytes, or a uoffset to patch.
  struct Field {
    uint16_t id;
    uint8_t size;
    uint64_t value;
    bool is_offset;
  };

  ForwardBuilder() { put(uint32_t{0}); }  // the root uoffset, patched by root()

  // Writes vtable and table; returns, per field in `fields` order, where its
  // bytes are (for patching offsets).
  std::vector<std::size_t> table(std::vector<Field> fields, std::size_t& table_pos) {
    uint16_t max_id = 0;
    for (const Field& f : fields) max_id = std::max(max_id, f.id);
    const std::size_t vtable_bytes = 4 + 2 * (static_cast<std::size_t>(max_id) + 1);
    // Layout inside the table: the soffset, then fields largest first.
    std::vector<std::size_t> order(fields.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return fields[a].size > fields[b].size; });
    std::vector<std::size_t> field_offset(fields.size());
    std::size_t end = 4;
    for (std::size_t i : order) {
      end = (end + fields[i].size - 1) / fields[i].size * fields[i].size;
      field_offset[i] = end;
      end += fields[i].size;
    }
    // The table starts 8-aligned so that offsets inside it are absolute alignments.
    align(2);
    std::size_t vtable_pos = buf_.size();
    std::size_t start = (vtable_pos + vtable_bytes + 7) / 8 * 8;
    vtable_pos = start - vtable_bytes;  // the vtable right before the table (2-aligned: vtable_bytes is even)
    buf_.resize(vtable_pos, 0);
    put(static_cast<uint16_t>(vtable_bytes));
    put(static_cast<uint16_t>(end));
    for (uint16_t id = 0; id <= max_id; ++id) {
      uint16_t at = 0;
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].id == id) at = static_cast<uint16_t>(field_offset[i]);
      put(at);
    }
    table_pos = buf_.size();
    buf_.resize(table_pos + end, 0);
    poke(table_pos, static_cast<int32_t>(table_pos - vtable_pos));
    std::vector<std::size_t> where(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      where[i] = table_pos + field_offset[i];
      if (!fields[i].is_offset) std::memcpy(&buf_[where[i]], &fields[i].value, fields[i].size);  // little-endian host
    }
    return where;
  }

  std::size_t string(const std::string& text) {
    align(4);
    const std::size_t pos = buf_.size();
    put(static_cast<uint32_t>(text.size()));
    buf_.insert(buf_.end(), text.begin(), text.end());
    buf_.push_back(0);
    return pos;
  }

  // A vector of `count` uoffsets; returns where the vector is and, through
  // `slots`, where each element is (to patch).
  std::size_t offset_vector(std::size_t count, std::vector<std::size_t>& slots) {
    align(4);
    const std::size_t pos = buf_.size();
    put(static_cast<uint32_t>(count));
    slots.clear();
    for (std::size_t i = 0; i < count; ++i) {
      slots.push_back(buf_.size());
      put(uint32_t{0});
    }
    return pos;
  }

  // The uoffset at `slot` points at `target` (written after it).
  void patch(std::size_t slot, std::size_t target) { poke(slot, static_cast<uint32_t>(target - slot)); }
  void root(std::size_t table_pos) { patch(0, table_pos); }

  std::string finish() {
    align(8);
    return std::string(buf_.begin(), buf_.end());
  }

 private:
  template <typename T>
  void put(T value) {
    const std::size_t at = buf_.size();
    buf_.resize(at + sizeof(T));
    std::memcpy(&buf_[at], &value, sizeof(T));
  }
  template <typename T>
  void poke(std::size_t at, T value) {
    std::memcpy(&buf_[at], &value, sizeof(T));
  }
  void align(std::size_t n) { buf_.resize((buf_.size() + n - 1) / n * n, 0); }

  std::vector<uint8_t> buf_;
};

using F = ForwardBuilder::Field;

// The Arrow type of a column as Arrow reads our Parquet column: Int{bits, signed} or FloatingPoint.
void write_type(ForwardBuilder& b, Dtype dtype, std::size_t slot) {
  std::size_t pos = 0;
  if (dtype == Dtype::float32 || dtype == Dtype::float64) {
    const int16_t precision = dtype == Dtype::float32 ? kPrecisionSingle : kPrecisionDouble;
    b.table({F{0, 2, static_cast<uint16_t>(precision), false}}, pos);
  } else {
    const bool is_signed = dtype == Dtype::int8 || dtype == Dtype::int16 || dtype == Dtype::int32 || dtype == Dtype::int64;
    const uint32_t bits = static_cast<uint32_t>(dtype_size(dtype) * 8);
    b.table({F{0, 4, bits, false}, F{1, 1, is_signed ? 1u : 0u, false}}, pos);
  }
  b.patch(slot, pos);
}

// A [KeyValue] vector (Schema.fbs: key, value strings) that `slot` points at.
void write_key_values(ForwardBuilder& b, const FieldMetadata& pairs, std::size_t slot) {
  std::vector<std::size_t> slots;
  b.patch(slot, b.offset_vector(pairs.size(), slots));
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    std::size_t kv = 0;
    const auto where = b.table({F{0, 4, 0, true}, F{1, 4, 0, true}}, kv);
    b.patch(slots[i], kv);
    b.patch(where[0], b.string(pairs[i].first));
    b.patch(where[1], b.string(pairs[i].second));
  }
}

void write_field(ForwardBuilder& b, const ColumnDescriptor& column, const FieldMetadata& metadata, std::size_t slot) {
  const bool is_float = column.dtype == Dtype::float32 || column.dtype == Dtype::float64;
  std::vector<F> fields = {F{0, 4, 0, true}, F{1, 1, 0, false},
                           F{2, 1, is_float ? kTypeFloatingPoint : kTypeInt, false}, F{3, 4, 0, true},
                           F{5, 4, 0, true}};
  if (!metadata.empty()) fields.push_back(F{6, 4, 0, true});
  std::size_t pos = 0;
  const auto where = b.table(fields, pos);
  b.patch(slot, pos);
  b.patch(where[0], b.string(column.name));
  write_type(b, column.dtype, where[3]);
  std::vector<std::size_t> slots;
  b.patch(where[4], b.offset_vector(0, slots));  // children: none, but Arrow requires the vector
  if (!metadata.empty()) write_key_values(b, metadata, where[5]);
}

}  // namespace

std::string arrow_schema_message(const FileSchema& schema, const std::vector<FieldMetadata>& metadata,
                                 const std::vector<KeyValue>& schema_metadata) {
  ForwardBuilder b;
  std::size_t message = 0;
  const auto message_where = b.table({F{0, 2, static_cast<uint16_t>(kMetadataV5), false},
                                      F{1, 1, kHeaderSchema, false}, F{2, 4, 0, true}, F{3, 8, 0, false}},
                                     message);
  b.root(message);
  std::size_t schema_pos = 0;
  // endianness: Little, the default; fields; custom_metadata if any.
  std::vector<F> schema_fields = {F{1, 4, 0, true}};
  if (!schema_metadata.empty()) schema_fields.push_back(F{2, 4, 0, true});
  const auto schema_where = b.table(schema_fields, schema_pos);
  b.patch(message_where[2], schema_pos);
  if (!schema_metadata.empty()) {
    FieldMetadata pairs;
    for (const KeyValue& kv : schema_metadata) pairs.emplace_back(kv.key, kv.value);
    write_key_values(b, pairs, schema_where[1]);
  }
  std::vector<std::size_t> slots;
  b.patch(schema_where[0], b.offset_vector(schema.columns.size(), slots));
  static const FieldMetadata kNone;
  for (std::size_t i = 0; i < schema.columns.size(); ++i)
    write_field(b, schema.columns[i], i < metadata.size() ? metadata[i] : kNone, slots[i]);
  const std::string flatbuffer = b.finish();  // a multiple of 8 bytes

  std::string out;
  const uint32_t continuation = 0xFFFFFFFFu;
  const int32_t length = static_cast<int32_t>(flatbuffer.size());
  out.append(reinterpret_cast<const char*>(&continuation), 4);
  out.append(reinterpret_cast<const char*>(&length), 4);
  out += flatbuffer;
  return out;
}

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace simingest::parquet
