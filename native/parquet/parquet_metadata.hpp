// The subset of parquet.thrift (apache/parquet-format,
// src/main/thrift/parquet.thrift) that simingest writes, with the field ids
// of that file, and their serialisation in the Thrift compact protocol.
//
// Optional thrift fields are std::optional (or an empty vector where the spec
// makes an optional list); required fields are plain members. Enum values
// are the spec's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parquet/column_chunk.hpp"
#include "parquet/thrift_compact.hpp"

namespace simingest::parquet::format {

enum class Type : int32_t {
  boolean = 0,
  int32 = 1,
  int64 = 2,
  int96 = 3,
  float_ = 4,
  double_ = 5,
  byte_array = 6,
  fixed_len_byte_array = 7,
};

enum class ConvertedType : int32_t {
  uint_8 = 11,
  uint_16 = 12,
  uint_32 = 13,
  uint_64 = 14,
  int_8 = 15,
  int_16 = 16,
  int_32 = 17,
  int_64 = 18,
};

enum class FieldRepetitionType : int32_t { required = 0, optional = 1, repeated = 2 };

enum class CompressionCodec : int32_t { uncompressed = 0, snappy = 1, gzip = 2, zstd = 6 };

enum class PageType : int32_t { data_page = 0, index_page = 1, dictionary_page = 2, data_page_v2 = 3 };

// LogicalType.INTEGER (field 10 of the LogicalType union).
struct IntType {
  int8_t bit_width = 32;
  bool is_signed = true;
};

// The LogicalType union; simingest only annotates integers.
struct LogicalType {
  std::optional<IntType> integer;
};

struct SchemaElement {
  std::optional<Type> type;
  std::optional<FieldRepetitionType> repetition_type;
  std::string name;
  std::optional<int32_t> num_children;
  std::optional<ConvertedType> converted_type;
  std::optional<LogicalType> logical_type;
};

// Binary fields hold PLAIN-encoded values.
struct Statistics {
  std::optional<std::string> max;  // deprecated, signed order only
  std::optional<std::string> min;
  std::optional<int64_t> null_count;
  std::optional<std::string> max_value;
  std::optional<std::string> min_value;
  std::optional<bool> is_max_value_exact;
  std::optional<bool> is_min_value_exact;
  std::optional<int64_t> nan_count;  // FLOAT and DOUBLE only
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::plain;
  Encoding definition_level_encoding = Encoding::rle;
  Encoding repetition_level_encoding = Encoding::rle;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::plain;
  std::optional<bool> is_sorted;
};

// Exactly one of the page-specific headers is set, matching `type`.
struct PageHeader {
  PageType type = PageType::data_page;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<DataPageHeader> data_page_header;
  std::optional<DictionaryPageHeader> dictionary_page_header;
};

struct KeyValue {
  std::string key;
  std::optional<std::string> value;
};

// BloomFilterHeader: the split-block algorithm, xxHash64, uncompressed are
// the only members of its unions (BloomFilter.md); only the size varies.
struct BloomFilterHeader {
  int32_t num_bytes = 0;  // of the bitset that follows the header
};

struct ColumnMetaData {
  Type type = Type::int32;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::uncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;
  std::optional<int64_t> bloom_filter_offset;  // of the BloomFilterHeader
  std::optional<int32_t> bloom_filter_length;  // header and bitset
};

struct ColumnChunk {
  // Deprecated; the spec asks writers for 0 when no ColumnMetaData is written
  // outside the footer.
  int64_t file_offset = 0;
  ColumnMetaData meta_data;  // optional in thrift, always written
  // The page index of the chunk (PageIndex.md), set only when written.
  std::optional<int64_t> offset_index_offset;
  std::optional<int32_t> offset_index_length;
  std::optional<int64_t> column_index_offset;
  std::optional<int32_t> column_index_length;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t num_rows = 0;
  std::optional<int64_t> file_offset;
  std::optional<int64_t> total_compressed_size;
  std::optional<int16_t> ordinal;
};

enum class BoundaryOrder : int32_t { unordered = 0, ascending = 1, descending = 2 };

struct PageLocation {
  int64_t offset = 0;                // of the page header, in the file
  int32_t compressed_page_size = 0;  // header plus compressed body
  int64_t first_row_index = 0;       // within the row group
};

struct OffsetIndex {
  std::vector<PageLocation> page_locations;  // one per data page, in file order
};

// Entry i of each list belongs to data page i of the chunk. min/max are
// PLAIN physical values, ordered as the chunk Statistics (TYPE_ORDER).
struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values;
  std::vector<std::string> max_values;
  BoundaryOrder boundary_order = BoundaryOrder::unordered;
  std::vector<int64_t> null_counts;  // optional: omitted when empty
  std::vector<int64_t> nan_counts;   // optional (field 8, FLOAT/DOUBLE): omitted when empty
};

// ColumnOrder union; TYPE_ORDER (TypeDefinedOrder) is the only member written.
struct ColumnOrder {};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  // Row groups already serialised (each one RowGroup struct), listed after
  // `row_groups`: a footer assembled from row groups recorded one at a time
  // (FileWriter, journal salvage). Not owned.
  std::vector<const std::vector<uint8_t>*> serialized_row_groups;
  std::vector<KeyValue> key_value_metadata;  // omitted when empty
  std::optional<std::string> created_by;
  std::vector<ColumnOrder> column_orders;    // omitted when empty
};

// Each appends one struct to the writer's output.
void write(thrift::CompactWriter& w, const SchemaElement& value);
void write(thrift::CompactWriter& w, const Statistics& value);
void write(thrift::CompactWriter& w, const PageHeader& value);
void write(thrift::CompactWriter& w, const KeyValue& value);
void write(thrift::CompactWriter& w, const ColumnMetaData& value);
void write(thrift::CompactWriter& w, const ColumnChunk& value);
void write(thrift::CompactWriter& w, const RowGroup& value);
void write(thrift::CompactWriter& w, const FileMetaData& value);
void write(thrift::CompactWriter& w, const OffsetIndex& value);
void write(thrift::CompactWriter& w, const ColumnIndex& value);
void write(thrift::CompactWriter& w, const BloomFilterHeader& value);

// Appends the serialised struct to `out` (not cleared).
template <class T>
void serialize(const T& value, std::vector<uint8_t>& out) {
  thrift::CompactWriter w(out);
  write(w, value);
}

}  // namespace simingest::parquet::format
