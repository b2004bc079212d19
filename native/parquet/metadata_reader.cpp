#include "parquet/metadata_reader.hpp"

#include <initializer_list>
#include <string>

#include "core/status.hpp"
#include "parquet/metadata_field_readers.hpp"

namespace simingest::parquet::format {

using thrift::CompactReader;
using thrift::CompactType;

namespace {

void read_int_type(CompactReader& r, IntType& value) {
  Required required("IntType");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    if (id == 1) {
      r.expect(type, CompactType::i8, "IntType.bitWidth");
      value.bit_width = r.read_i8();
    } else if (id == 2) {
      r.expect(type, CompactType::boolean_true, "IntType.isSigned");
      value.is_signed = CompactReader::field_bool(type);
    } else {
      r.skip(type);
    }
  }
  required.check(r, {1, 2});
}

void read_logical_type(CompactReader& r, LogicalType& value) {
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    if (id == 10 && type == CompactType::struct_) {
      IntType integer;
      read_int_type(r, integer);
      value.integer = integer;
    } else {
      r.skip(type);  // another member of the union: not an integer annotation
    }
  }
}

void read_data_page_header(CompactReader& r, DataPageHeader& value) {
  Required required("DataPageHeader");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.num_values = read_i32(r, type, "DataPageHeader.num_values"); break;
      case 2: value.encoding = read_enum<Encoding>(r, type, "DataPageHeader.encoding"); break;
      case 3: value.definition_level_encoding = read_enum<Encoding>(r, type, "DataPageHeader.definition_level_encoding"); break;
      case 4: value.repetition_level_encoding = read_enum<Encoding>(r, type, "DataPageHeader.repetition_level_encoding"); break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3, 4});
}

void read_dictionary_page_header(CompactReader& r, DictionaryPageHeader& value) {
  Required required("DictionaryPageHeader");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.num_values = read_i32(r, type, "DictionaryPageHeader.num_values"); break;
      case 2: value.encoding = read_enum<Encoding>(r, type, "DictionaryPageHeader.encoding"); break;
      case 3:
        r.expect(type, CompactType::boolean_true, "DictionaryPageHeader.is_sorted");
        value.is_sorted = CompactReader::field_bool(type);
        break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2});
}

}  // namespace

void read(CompactReader& r, SchemaElement& value) {
  Required required("SchemaElement");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.type = read_enum<Type>(r, type, "SchemaElement.type"); break;
      case 3: value.repetition_type = read_enum<FieldRepetitionType>(r, type, "SchemaElement.repetition_type"); break;
      case 4: value.name = read_binary(r, type, "SchemaElement.name"); break;
      case 5: value.num_children = read_i32(r, type, "SchemaElement.num_children"); break;
      case 6: value.converted_type = read_enum<ConvertedType>(r, type, "SchemaElement.converted_type"); break;
      case 10:
        r.expect(type, CompactType::struct_, "SchemaElement.logicalType");
        value.logical_type.emplace();
        read_logical_type(r, *value.logical_type);
        break;
      default: r.skip(type);
    }
  }
  required.check(r, {4});
}

void read(CompactReader& r, Statistics& value) {
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    switch (id) {
      case 1: value.max = read_binary(r, type, "Statistics.max"); break;
      case 2: value.min = read_binary(r, type, "Statistics.min"); break;
      case 3: value.null_count = read_i64(r, type, "Statistics.null_count"); break;
      case 5: value.max_value = read_binary(r, type, "Statistics.max_value"); break;
      case 6: value.min_value = read_binary(r, type, "Statistics.min_value"); break;
      case 7:
        r.expect(type, CompactType::boolean_true, "Statistics.is_max_value_exact");
        value.is_max_value_exact = CompactReader::field_bool(type);
        break;
      case 8:
        r.expect(type, CompactType::boolean_true, "Statistics.is_min_value_exact");
        value.is_min_value_exact = CompactReader::field_bool(type);
        break;
      case 9: value.nan_count = read_i64(r, type, "Statistics.nan_count"); break;
      default: r.skip(type);
    }
  }
}

void read(CompactReader& r, PageHeader& value) {
  Required required("PageHeader");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.type = read_enum<PageType>(r, type, "PageHeader.type"); break;
      case 2: value.uncompressed_page_size = read_i32(r, type, "PageHeader.uncompressed_page_size"); break;
      case 3: value.compressed_page_size = read_i32(r, type, "PageHeader.compressed_page_size"); break;
      case 5:
        r.expect(type, CompactType::struct_, "PageHeader.data_page_header");
        value.data_page_header.emplace();
        read_data_page_header(r, *value.data_page_header);
        break;
      case 7:
        r.expect(type, CompactType::struct_, "PageHeader.dictionary_page_header");
        value.dictionary_page_header.emplace();
        read_dictionary_page_header(r, *value.dictionary_page_header);
        break;
      default: r.skip(type);  // crc, index and v2 headers
    }
  }
  required.check(r, {1, 2, 3});
  if (value.uncompressed_page_size < 0 || value.compressed_page_size < 0) r.fail("PageHeader: negative page size");
}

void read(CompactReader& r, KeyValue& value) {
  Required required("KeyValue");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.key = read_binary(r, type, "KeyValue.key"); break;
      case 2: value.value = read_binary(r, type, "KeyValue.value"); break;
      default: r.skip(type);
    }
  }
  required.check(r, {1});
}

void read(CompactReader& r, ColumnMetaData& value) {
  Required required("ColumnMetaData");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.type = read_enum<Type>(r, type, "ColumnMetaData.type"); break;
      case 2:
        value.encodings.clear();
        read_list(r, type, CompactType::i32, "ColumnMetaData.encodings",
                  [&] { value.encodings.push_back(static_cast<Encoding>(r.read_i32())); });
        break;
      case 3:
        value.path_in_schema.clear();
        read_list(r, type, CompactType::binary, "ColumnMetaData.path_in_schema",
                  [&] { value.path_in_schema.push_back(r.read_binary()); });
        break;
      case 4: value.codec = read_enum<CompressionCodec>(r, type, "ColumnMetaData.codec"); break;
      case 5: value.num_values = read_i64(r, type, "ColumnMetaData.num_values"); break;
      case 6: value.total_uncompressed_size = read_i64(r, type, "ColumnMetaData.total_uncompressed_size"); break;
      case 7: value.total_compressed_size = read_i64(r, type, "ColumnMetaData.total_compressed_size"); break;
      case 9: value.data_page_offset = read_i64(r, type, "ColumnMetaData.data_page_offset"); break;
      case 11: value.dictionary_page_offset = read_i64(r, type, "ColumnMetaData.dictionary_page_offset"); break;
      case 12:
        r.expect(type, CompactType::struct_, "ColumnMetaData.statistics");
        value.statistics.emplace();
        read(r, *value.statistics);
        break;
      case 14: value.bloom_filter_offset = read_i64(r, type, "ColumnMetaData.bloom_filter_offset"); break;
      case 15: value.bloom_filter_length = read_i32(r, type, "ColumnMetaData.bloom_filter_length"); break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3, 4, 5, 6, 7, 9});
}

void read(CompactReader& r, ColumnChunk& value) {
  Required required("ColumnChunk");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 2: value.file_offset = read_i64(r, type, "ColumnChunk.file_offset"); break;
      case 3:
        r.expect(type, CompactType::struct_, "ColumnChunk.meta_data");
        read(r, value.meta_data);
        break;
      case 4: value.offset_index_offset = read_i64(r, type, "ColumnChunk.offset_index_offset"); break;
      case 5: value.offset_index_length = read_i32(r, type, "ColumnChunk.offset_index_length"); break;
      case 6: value.column_index_offset = read_i64(r, type, "ColumnChunk.column_index_offset"); break;
      case 7: value.column_index_length = read_i32(r, type, "ColumnChunk.column_index_length"); break;
      default: r.skip(type);
    }
  }
  // meta_data is optional in parquet.thrift, but a chunk without it lives in
  // another file, which simingest never writes.
  required.check(r, {3});
}

void read(CompactReader& r, RowGroup& value) {
  Required required("RowGroup");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1:
        value.columns.clear();
        read_list(r, type, CompactType::struct_, "RowGroup.columns", [&] {
          value.columns.emplace_back();
          read(r, value.columns.back());
        });
        break;
      case 2: value.total_byte_size = read_i64(r, type, "RowGroup.total_byte_size"); break;
      case 3: value.num_rows = read_i64(r, type, "RowGroup.num_rows"); break;
      case 5: value.file_offset = read_i64(r, type, "RowGroup.file_offset"); break;
      case 6: value.total_compressed_size = read_i64(r, type, "RowGroup.total_compressed_size"); break;
      case 7:
        r.expect(type, CompactType::i16, "RowGroup.ordinal");
        value.ordinal = r.read_i16();
        break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3});
}

void read(CompactReader& r, FileMetaData& value) {
  Required required("FileMetaData");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.version = read_i32(r, type, "FileMetaData.version"); break;
      case 2:
        value.schema.clear();
        read_list(r, type, CompactType::struct_, "FileMetaData.schema", [&] {
          value.schema.emplace_back();
          read(r, value.schema.back());
        });
        break;
      case 3: value.num_rows = read_i64(r, type, "FileMetaData.num_rows"); break;
      case 4:
        value.row_groups.clear();
        read_list(r, type, CompactType::struct_, "FileMetaData.row_groups", [&] {
          value.row_groups.emplace_back();
          read(r, value.row_groups.back());
        });
        break;
      case 5:
        value.key_value_metadata.clear();
        read_list(r, type, CompactType::struct_, "FileMetaData.key_value_metadata", [&] {
          value.key_value_metadata.emplace_back();
          read(r, value.key_value_metadata.back());
        });
        break;
      case 6: value.created_by = read_binary(r, type, "FileMetaData.created_by"); break;
      case 7:
        value.column_orders.clear();
        read_list(r, type, CompactType::struct_, "FileMetaData.column_orders", [&] {
          value.column_orders.emplace_back();
          r.skip(CompactType::struct_);  // the ColumnOrder union: TYPE_ORDER is all there is
        });
        break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3, 4});
}

}  // namespace simingest::parquet::format
