#include "parquet/file_writer.hpp"

#include <limits>

#include "core/status.hpp"
#include "parquet/bloom_filter.hpp"
#include "parquet/chunk_statistics.hpp"
#include "parquet/codec.hpp"
#include "parquet/column_type.hpp"
#include "parquet/page_index.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};

// FileMetaData of the row groups, then its length and the closing magic.
std::vector<uint8_t> footer_bytes(const FileSchema& schema, const std::vector<KeyValue>& key_values,
                                  const std::vector<const std::vector<uint8_t>*>& row_groups, int64_t num_rows,
                                  const std::vector<bool>& optional = {}) {
  format::FileMetaData meta;
  // parquet.thrift recommends 1 for maximum reader compatibility; readers
  // treat 1 and 2 alike, and the encodings used do not depend on it.
  meta.version = 1;
  format::SchemaElement root;
  root.name = schema.root_name;
  root.num_children = static_cast<int32_t>(schema.columns.size());
  meta.schema.push_back(std::move(root));
  for (std::size_t i = 0; i < schema.columns.size(); ++i) {
    meta.schema.push_back(schema_element_of(schema.columns[i].dtype, schema.columns[i].name.c_str()));
    if (i < optional.size() && optional[i]) meta.schema.back().repetition_type = format::FieldRepetitionType::optional;
  }
  meta.num_rows = num_rows;
  meta.serialized_row_groups = row_groups;
  for (const KeyValue& kv : key_values) meta.key_value_metadata.push_back({kv.key, kv.value});
  meta.created_by = created_by();
  // Without column_orders the min_value/max_value fields have no defined
  // meaning (and readers ignore unsigned statistics).
  meta.column_orders.resize(schema.columns.size());

  std::vector<uint8_t> footer;
  format::serialize(meta, footer);
  if (footer.size() > std::numeric_limits<uint32_t>::max())
    throw Error(Status::internal, "parquet file: footer larger than 4 GiB");
  const auto length = static_cast<uint32_t>(footer.size());
  const uint8_t length_le[4] = {static_cast<uint8_t>(length), static_cast<uint8_t>(length >> 8),
                                static_cast<uint8_t>(length >> 16), static_cast<uint8_t>(length >> 24)};
  footer.insert(footer.end(), length_le, length_le + sizeof length_le);
  footer.insert(footer.end(), kMagic, kMagic + sizeof kMagic);
  return footer;
}

}  // namespace

struct FileWriter::Impl {
  Impl(ByteSink& s, FileSchema sc, std::vector<KeyValue> kv)
      : sink(s), schema(std::move(sc)), key_values(std::move(kv)) {}

  void write(const void* data, std::size_t size) {
    sink.write(data, size);
    offset += size;
  }

  // Writes the page index of every chunk that has one (all ColumnIndex
  // structs, then all OffsetIndex structs, as PageIndex.md lays them out)
  // and sets the chunks' offsets to them in `footer_groups`.
  void write_page_index() {
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t g = 0; g < footer_groups.size(); ++g) {
        for (std::size_t c = 0; c < footer_groups[g].columns.size(); ++c) {
          const std::vector<uint8_t>& bytes = pass == 0 ? indexes[g][c].column_index : indexes[g][c].offset_index;
          if (bytes.empty()) continue;
          format::ColumnChunk& chunk = footer_groups[g].columns[c];
          (pass == 0 ? chunk.column_index_offset : chunk.offset_index_offset) = static_cast<int64_t>(offset);
          (pass == 0 ? chunk.column_index_length : chunk.offset_index_length) = static_cast<int32_t>(bytes.size());
          write(bytes.data(), bytes.size());
        }
      }
    }
  }

  ByteSink& sink;
  FileSchema schema;
  std::vector<KeyValue> key_values;
  // Each row group's footer entry, serialised when it is appended: the
  // journal records it, and finish() copies them into the footer. It holds
  // no page index offsets (the page index is written by finish()), so a
  // footer written from the journal after a crash has no page index.
  std::vector<std::vector<uint8_t>> row_groups;
  // The same entries as structs, and each chunk's serialised page index
  // ([row group][column]; empty bytes: none), for finish().
  struct ChunkIndex {
    std::vector<uint8_t> column_index, offset_index;
  };
  std::vector<format::RowGroup> footer_groups;
  std::vector<std::vector<ChunkIndex>> indexes;
  std::vector<uint8_t> scratch;  // one bloom filter
  uint64_t offset = 0;
  int64_t rows = 0;
  std::size_t groups = 0;
  bool finished = false;
};

FileWriter::FileWriter(ByteSink& sink, FileSchema schema, std::vector<KeyValue> key_value_metadata)
    : impl_(std::make_unique<Impl>(sink, std::move(schema), std::move(key_value_metadata))) {
  impl_->write(kMagic, sizeof kMagic);
}

FileWriter::~FileWriter() = default;

void FileWriter::append_row_group(int64_t num_rows, const EncodedColumnChunk* chunks, std::size_t nchunks) {
  Impl& w = *impl_;
  if (w.finished) throw Error(Status::internal, "parquet file: row group appended after finish()");
  if (nchunks != w.schema.columns.size())
    throw Error(Status::internal, "parquet file: row group has " + std::to_string(nchunks) +
                                      " chunks for " + std::to_string(w.schema.columns.size()) + " columns");
  for (std::size_t i = 0; i < nchunks; ++i) {
    if (chunks[i].num_values != num_rows)
      throw Error(Status::internal, "parquet file: column " + w.schema.columns[i].name + " has " +
                                        std::to_string(chunks[i].num_values) + " values in a row group of " +
                                        std::to_string(num_rows) + " rows");
  }

  format::RowGroup group;
  group.num_rows = num_rows;
  group.file_offset = static_cast<int64_t>(w.offset);
  int64_t uncompressed = 0, compressed = 0;
  group.columns.reserve(nchunks);
  std::vector<Impl::ChunkIndex> chunk_indexes(nchunks);
  for (std::size_t i = 0; i < nchunks; ++i) {
    const EncodedColumnChunk& chunk = chunks[i];
    const ColumnDescriptor& column = w.schema.columns[i];
    // Chunk offsets are relative to its first byte; the footer wants file offsets.
    const auto base = static_cast<int64_t>(w.offset);
    w.write(chunk.bytes.data(), chunk.bytes.size());

    format::ColumnChunk cc;
    format::ColumnMetaData& md = cc.meta_data;
    md.type = column_type_of(column.dtype).physical;
    md.encodings = chunk.encodings;
    md.path_in_schema = {column.name};
    md.codec = thrift_codec(chunk.codec);
    md.num_values = chunk.num_values;
    md.total_uncompressed_size = chunk.total_uncompressed_size;
    md.total_compressed_size = chunk.total_compressed_size();
    md.data_page_offset = base + chunk.data_page_offset;
    if (chunk.dictionary_page_offset >= 0) md.dictionary_page_offset = base + chunk.dictionary_page_offset;
    md.statistics = chunk_statistics(column.dtype, chunk.stats);
    group.columns.push_back(std::move(cc));
    uncompressed += chunk.total_uncompressed_size;
    compressed += chunk.total_compressed_size();

    Impl::ChunkIndex& index = chunk_indexes[i];
    if (!chunk.pages.empty()) {
      format::serialize(offset_index_of(chunk, base), index.offset_index);
      if (const auto column_index = column_index_of(column.dtype, chunk))
        format::serialize(*column_index, index.column_index);
    }
  }
  // Bloom filters follow the row group's chunks (the chunks stay contiguous
  // for readers that fetch a row group at once). Being before the row
  // group's journal record, they survive a crash with it.
  for (std::size_t i = 0; i < nchunks; ++i) {
    if (chunks[i].bloom_filter.empty()) continue;
    w.scratch.clear();
    append_bloom_filter(chunks[i].bloom_filter, w.scratch);
    format::ColumnMetaData& md = group.columns[i].meta_data;
    md.bloom_filter_offset = static_cast<int64_t>(w.offset);
    md.bloom_filter_length = static_cast<int32_t>(w.scratch.size());
    w.write(w.scratch.data(), w.scratch.size());
  }
  group.total_byte_size = uncompressed;
  group.total_compressed_size = compressed;
  if (w.row_groups.size() <= static_cast<std::size_t>(std::numeric_limits<int16_t>::max()))
    group.ordinal = static_cast<int16_t>(w.row_groups.size());
  w.row_groups.emplace_back();
  format::serialize(group, w.row_groups.back());
  w.footer_groups.push_back(std::move(group));
  w.indexes.push_back(std::move(chunk_indexes));
  w.rows += num_rows;
  ++w.groups;
}

const std::vector<uint8_t>& FileWriter::last_row_group_metadata() const {
  if (impl_->row_groups.empty()) throw Error(Status::internal, "parquet file: no row group appended yet");
  return impl_->row_groups.back();
}

void FileWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) throw Error(Status::internal, "parquet file: finish() called twice");
  w.write_page_index();
  // The footer's entries: the journaled ones plus the page index offsets.
  std::vector<std::vector<uint8_t>> entries(w.footer_groups.size());
  std::vector<const std::vector<uint8_t>*> parts;
  parts.reserve(w.footer_groups.size());
  for (std::size_t g = 0; g < w.footer_groups.size(); ++g) {
    format::serialize(w.footer_groups[g], entries[g]);
    parts.push_back(&entries[g]);
  }
  const std::vector<uint8_t> footer = footer_bytes(w.schema, w.key_values, parts, w.rows);
  w.write(footer.data(), footer.size());
  w.finished = true;
}

void FileWriter::write_footer(ByteSink& sink, const FileSchema& schema, const std::vector<KeyValue>& key_value_metadata,
                              const std::vector<const std::vector<uint8_t>*>& row_groups, int64_t num_rows) {
  const std::vector<uint8_t> footer = footer_bytes(schema, key_value_metadata, row_groups, num_rows);
  sink.write(footer.data(), footer.size());
}

uint64_t FileWriter::bytes_written() const noexcept { return impl_->offset; }
int64_t FileWriter::rows_written() const noexcept { return impl_->rows; }
std::size_t FileWriter::row_groups_written() const noexcept { return impl_->groups; }

std::string created_by() { return std::string("simingest version ") + SIMINGEST_VERSION_STRING; }

std::vector<uint8_t> summary_file_bytes(const FileSchema& schema, const std::vector<bool>& optional,
                                        const std::vector<KeyValue>& key_value_metadata) {
  std::vector<uint8_t> bytes(kMagic, kMagic + sizeof kMagic);
  const std::vector<uint8_t> footer = footer_bytes(schema, key_value_metadata, {}, 0, optional);
  bytes.insert(bytes.end(), footer.begin(), footer.end());
  return bytes;
}

}  // namespace simingest::parquet
