#include "parquet/parquet_metadata.hpp"

#include <limits>

#include "core/status.hpp"

namespace simingest::parquet::format {

using thrift::CompactType;
using thrift::CompactWriter;

namespace {

template <class Enum>
int32_t raw(Enum value) {
  return static_cast<int32_t>(value);
}

uint32_t list_size(std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw Error(Status::internal, "parquet metadata: list too long");
  return static_cast<uint32_t>(size);
}

void write_optional_binary(CompactWriter& w, int16_t id, const std::optional<std::string>& value) {
  if (value) w.field_string(id, *value);
}

}  // namespace

void write(CompactWriter& w, const SchemaElement& value) {
  w.begin_struct();
  if (value.type) w.field_i32(1, raw(*value.type));
  if (value.repetition_type) w.field_i32(3, raw(*value.repetition_type));
  w.field_string(4, value.name);
  if (value.num_children) w.field_i32(5, *value.num_children);
  if (value.converted_type) w.field_i32(6, raw(*value.converted_type));
  if (value.logical_type) {
    w.field_struct_begin(10);  // LogicalType union
    if (value.logical_type->integer) {
      w.field_struct_begin(10);  // INTEGER: IntType
      w.field_i8(1, value.logical_type->integer->bit_width);
      w.field_bool(2, value.logical_type->integer->is_signed);
      w.end_struct();
    }
    w.end_struct();
  }
  w.end_struct();
}

void write(CompactWriter& w, const Statistics& value) {
  w.begin_struct();
  write_optional_binary(w, 1, value.max);
  write_optional_binary(w, 2, value.min);
  if (value.null_count) w.field_i64(3, *value.null_count);
  write_optional_binary(w, 5, value.max_value);
  write_optional_binary(w, 6, value.min_value);
  if (value.is_max_value_exact) w.field_bool(7, *value.is_max_value_exact);
  if (value.is_min_value_exact) w.field_bool(8, *value.is_min_value_exact);
  if (value.nan_count) w.field_i64(9, *value.nan_count);
  w.end_struct();
}

void write(CompactWriter& w, const PageHeader& value) {
  w.begin_struct();
  w.field_i32(1, raw(value.type));
  w.field_i32(2, value.uncompressed_page_size);
  w.field_i32(3, value.compressed_page_size);
  if (value.data_page_header) {
    const DataPageHeader& h = *value.data_page_header;
    w.field_struct_begin(5);
    w.field_i32(1, h.num_values);
    w.field_i32(2, raw(h.encoding));
    w.field_i32(3, raw(h.definition_level_encoding));
    w.field_i32(4, raw(h.repetition_level_encoding));
    w.end_struct();
  }
  if (value.dictionary_page_header) {
    const DictionaryPageHeader& h = *value.dictionary_page_header;
    w.field_struct_begin(7);
    w.field_i32(1, h.num_values);
    w.field_i32(2, raw(h.encoding));
    if (h.is_sorted) w.field_bool(3, *h.is_sorted);
    w.end_struct();
  }
  w.end_struct();
}

void write(CompactWriter& w, const KeyValue& value) {
  w.begin_struct();
  w.field_string(1, value.key);
  write_optional_binary(w, 2, value.value);
  w.end_struct();
}

void write(CompactWriter& w, const ColumnMetaData& value) {
  w.begin_struct();
  w.field_i32(1, raw(value.type));
  w.field_list_begin(2, CompactType::i32, list_size(value.encodings.size()));
  for (Encoding e : value.encodings) w.write_i32(raw(e));
  w.field_list_begin(3, CompactType::binary, list_size(value.path_in_schema.size()));
  for (const std::string& part : value.path_in_schema) w.write_string(part);
  w.field_i32(4, raw(value.codec));
  w.field_i64(5, value.num_values);
  w.field_i64(6, value.total_uncompressed_size);
  w.field_i64(7, value.total_compressed_size);
  w.field_i64(9, value.data_page_offset);
  if (value.dictionary_page_offset) w.field_i64(11, *value.dictionary_page_offset);
  if (value.statistics) {
    w.field_struct_header(12);
    write(w, *value.statistics);
  }
  if (value.bloom_filter_offset) w.field_i64(14, *value.bloom_filter_offset);
  if (value.bloom_filter_length) w.field_i32(15, *value.bloom_filter_length);
  w.end_struct();
}

void write(CompactWriter& w, const ColumnChunk& value) {
  w.begin_struct();
  w.field_i64(2, value.file_offset);
  w.field_struct_header(3);
  write(w, value.meta_data);
  if (value.offset_index_offset) w.field_i64(4, *value.offset_index_offset);
  if (value.offset_index_length) w.field_i32(5, *value.offset_index_length);
  if (value.column_index_offset) w.field_i64(6, *value.column_index_offset);
  if (value.column_index_length) w.field_i32(7, *value.column_index_length);
  w.end_struct();
}

void write(CompactWriter& w, const RowGroup& value) {
  w.begin_struct();
  w.field_list_begin(1, CompactType::struct_, list_size(value.columns.size()));
  for (const ColumnChunk& column : value.columns) write(w, column);
  w.field_i64(2, value.total_byte_size);
  w.field_i64(3, value.num_rows);
  if (value.file_offset) w.field_i64(5, *value.file_offset);
  if (value.total_compressed_size) w.field_i64(6, *value.total_compressed_size);
  if (value.ordinal) w.field_i16(7, *value.ordinal);
  w.end_struct();
}

void write(CompactWriter& w, const FileMetaData& value) {
  w.begin_struct();
  w.field_i32(1, value.version);
  w.field_list_begin(2, CompactType::struct_, list_size(value.schema.size()));
  for (const SchemaElement& element : value.schema) write(w, element);
  w.field_i64(3, value.num_rows);
  w.field_list_begin(4, CompactType::struct_,
                     list_size(value.row_groups.size() + value.serialized_row_groups.size()));
  for (const RowGroup& row_group : value.row_groups) write(w, row_group);
  for (const std::vector<uint8_t>* bytes : value.serialized_row_groups)
    w.write_serialized(bytes->data(), bytes->size());
  if (!value.key_value_metadata.empty()) {
    w.field_list_begin(5, CompactType::struct_, list_size(value.key_value_metadata.size()));
    for (const KeyValue& kv : value.key_value_metadata) write(w, kv);
  }
  if (value.created_by) w.field_string(6, *value.created_by);
  if (!value.column_orders.empty()) {
    w.field_list_begin(7, CompactType::struct_, list_size(value.column_orders.size()));
    for (std::size_t i = 0; i < value.column_orders.size(); ++i) {
      w.begin_struct();          // ColumnOrder union
      w.field_struct_begin(1);   // TYPE_ORDER: TypeDefinedOrder, an empty struct
      w.end_struct();
      w.end_struct();
    }
  }
  w.end_struct();
}

void write(CompactWriter& w, const OffsetIndex& value) {
  w.begin_struct();
  w.field_list_begin(1, CompactType::struct_, list_size(value.page_locations.size()));
  for (const PageLocation& page : value.page_locations) {
    w.begin_struct();
    w.field_i64(1, page.offset);
    w.field_i32(2, page.compressed_page_size);
    w.field_i64(3, page.first_row_index);
    w.end_struct();
  }
  w.end_struct();
}

void write(CompactWriter& w, const ColumnIndex& value) {
  w.begin_struct();
  // list<bool> elements carry the boolean_true type id (as Thrift's own writers).
  w.field_list_begin(1, CompactType::boolean_true, list_size(value.null_pages.size()));
  for (bool null_page : value.null_pages) w.write_bool(null_page);
  w.field_list_begin(2, CompactType::binary, list_size(value.min_values.size()));
  for (const std::string& v : value.min_values) w.write_string(v);
  w.field_list_begin(3, CompactType::binary, list_size(value.max_values.size()));
  for (const std::string& v : value.max_values) w.write_string(v);
  w.field_i32(4, raw(value.boundary_order));
  if (!value.null_counts.empty()) {
    w.field_list_begin(5, CompactType::i64, list_size(value.null_counts.size()));
    for (int64_t n : value.null_counts) w.write_i64(n);
  }
  if (!value.nan_counts.empty()) {
    w.field_list_begin(8, CompactType::i64, list_size(value.nan_counts.size()));
    for (int64_t n : value.nan_counts) w.write_i64(n);
  }
  w.end_struct();
}

void write(CompactWriter& w, const BloomFilterHeader& value) {
  w.begin_struct();
  w.field_i32(1, value.num_bytes);
  // Each union holds its one member, an empty struct: BLOCK, XXHASH, UNCOMPRESSED.
  for (const int16_t id : {int16_t{2}, int16_t{3}, int16_t{4}}) {
    w.field_struct_begin(id);
    w.field_struct_begin(1);
    w.end_struct();
    w.end_struct();
  }
  w.end_struct();
}

}  // namespace simingest::parquet::format
