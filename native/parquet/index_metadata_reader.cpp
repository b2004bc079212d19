// Decoding the page index (OffsetIndex, ColumnIndex) and BloomFilterHeader:
// resumeFromStep carries them from a file into its rewritten copy, and the
// tests read back what the writer put down.
#include <string>

#include "parquet/metadata_field_readers.hpp"
#include "parquet/metadata_reader.hpp"

namespace simingest::parquet::format {

namespace {

void read_page_location(CompactReader& r, PageLocation& value) {
  Required required("PageLocation");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.offset = read_i64(r, type, "PageLocation.offset"); break;
      case 2: value.compressed_page_size = read_i32(r, type, "PageLocation.compressed_page_size"); break;
      case 3: value.first_row_index = read_i64(r, type, "PageLocation.first_row_index"); break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3});
}

void read_i64_list(CompactReader& r, CompactType type, const char* name, std::vector<int64_t>& out) {
  out.clear();
  read_list(r, type, CompactType::i64, name, [&] { out.push_back(r.read_i64()); });
}

// A union of which `member` (an empty struct) must be the one set: the
// members of the BloomFilterHeader unions that simingest knows.
void read_union_member(CompactReader& r, int16_t member, const char* name) {
  r.begin_struct();
  int16_t id;
  CompactType type;
  bool seen = false;
  while (r.next_field(id, type)) {
    if (id != member || type != CompactType::struct_) r.fail(std::string(name) + ": unsupported member " + std::to_string(id));
    r.skip(type);
    seen = true;
  }
  if (!seen) r.fail(std::string(name) + ": no member set");
}

}  // namespace

void read(CompactReader& r, OffsetIndex& value) {
  Required required("OffsetIndex");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    if (id == 1) {
      value.page_locations.clear();
      read_list(r, type, CompactType::struct_, "OffsetIndex.page_locations", [&] {
        value.page_locations.emplace_back();
        read_page_location(r, value.page_locations.back());
      });
    } else {
      r.skip(type);
    }
  }
  required.check(r, {1});
}

void read(CompactReader& r, ColumnIndex& value) {
  Required required("ColumnIndex");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: {
        // Writers put either boolean type id in a list<bool> header.
        r.expect(type, CompactType::list, "ColumnIndex.null_pages");
        CompactType element;
        const uint32_t size = r.read_list_header(element);
        if (size > 0 && element != CompactType::boolean_true && element != CompactType::boolean_false)
          r.fail("ColumnIndex.null_pages: expected a list of bool");
        value.null_pages.clear();
        for (uint32_t i = 0; i < size; ++i) value.null_pages.push_back(r.read_bool_element());
        break;
      }
      case 2:
        value.min_values.clear();
        read_list(r, type, CompactType::binary, "ColumnIndex.min_values",
                  [&] { value.min_values.push_back(r.read_binary()); });
        break;
      case 3:
        value.max_values.clear();
        read_list(r, type, CompactType::binary, "ColumnIndex.max_values",
                  [&] { value.max_values.push_back(r.read_binary()); });
        break;
      case 4: value.boundary_order = read_enum<BoundaryOrder>(r, type, "ColumnIndex.boundary_order"); break;
      case 5: read_i64_list(r, type, "ColumnIndex.null_counts", value.null_counts); break;
      case 8: read_i64_list(r, type, "ColumnIndex.nan_counts", value.nan_counts); break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3, 4});
  const std::size_t pages = value.null_pages.size();
  if (value.min_values.size() != pages || value.max_values.size() != pages ||
      (!value.null_counts.empty() && value.null_counts.size() != pages) ||
      (!value.nan_counts.empty() && value.nan_counts.size() != pages))
    r.fail("ColumnIndex: lists of different lengths");
}

void read(CompactReader& r, BloomFilterHeader& value) {
  Required required("BloomFilterHeader");
  r.begin_struct();
  int16_t id;
  CompactType type;
  while (r.next_field(id, type)) {
    required.seen(id);
    switch (id) {
      case 1: value.num_bytes = read_i32(r, type, "BloomFilterHeader.numBytes"); break;
      case 2:
        r.expect(type, CompactType::struct_, "BloomFilterHeader.algorithm");
        read_union_member(r, 1, "BloomFilterHeader.algorithm");
        break;
      case 3:
        r.expect(type, CompactType::struct_, "BloomFilterHeader.hash");
        read_union_member(r, 1, "BloomFilterHeader.hash");
        break;
      case 4:
        r.expect(type, CompactType::struct_, "BloomFilterHeader.compression");
        read_union_member(r, 1, "BloomFilterHeader.compression");
        break;
      default: r.skip(type);
    }
  }
  required.check(r, {1, 2, 3, 4});
  if (value.num_bytes < 32 || (value.num_bytes & (value.num_bytes - 1)) != 0)
    r.fail("BloomFilterHeader.numBytes: " + std::to_string(value.num_bytes) + " is not a power of two of at least 32");
}

}  // namespace simingest::parquet::format
