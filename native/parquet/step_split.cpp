#include "parquet/step_split.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/column_stats.hpp"
#include "core/status.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "parquet/chunk_index_reader.hpp"
#include "parquet/column_chunk_reader.hpp"
#include "parquet/column_type.hpp"
#include "parquet/footer_reader.hpp"

namespace simingest::parquet {

namespace {

[[noreturn]] void not_ours(const ByteSource& source, const std::string& what) {
  throw Error(Status::corrupt, source.name() + ": not a file simingest wrote: " + what);
}

// The dtype a leaf was written from (column_type.cpp in reverse).
Dtype dtype_of_leaf(const format::SchemaElement& leaf, const ByteSource& source) {
  using format::ConvertedType;
  if (!leaf.type) not_ours(source, "column \"" + leaf.name + "\" has no type");
  const bool int_annotated = leaf.logical_type && leaf.logical_type->integer;
  const int bits = int_annotated ? leaf.logical_type->integer->bit_width : 0;
  const bool is_unsigned = int_annotated ? !leaf.logical_type->integer->is_signed : false;
  Dtype dtype;
  switch (*leaf.type) {
    case format::Type::float_: dtype = Dtype::float32; break;
    case format::Type::double_: dtype = Dtype::float64; break;
    case format::Type::int64: dtype = is_unsigned || leaf.converted_type == ConvertedType::uint_64 ? Dtype::uint64 : Dtype::int64; break;
    case format::Type::int32:
      if (int_annotated) {
        if (bits == 8) dtype = is_unsigned ? Dtype::uint8 : Dtype::int8;
        else if (bits == 16) dtype = is_unsigned ? Dtype::uint16 : Dtype::int16;
        else dtype = is_unsigned ? Dtype::uint32 : Dtype::int32;
      } else if (leaf.converted_type) {
        switch (*leaf.converted_type) {
          case ConvertedType::int_8: dtype = Dtype::int8; break;
          case ConvertedType::int_16: dtype = Dtype::int16; break;
          case ConvertedType::uint_8: dtype = Dtype::uint8; break;
          case ConvertedType::uint_16: dtype = Dtype::uint16; break;
          case ConvertedType::uint_32: dtype = Dtype::uint32; break;
          default: dtype = Dtype::int32;
        }
      } else {
        dtype = Dtype::int32;
      }
      break;
    default: not_ours(source, "column \"" + leaf.name + "\" has physical type " + std::to_string(static_cast<int>(*leaf.type)));
  }
  if (leaf.repetition_type != format::FieldRepetitionType::required)
    not_ours(source, "column \"" + leaf.name + "\" is not REQUIRED");
  return dtype;
}

bool has_encoding(const format::ColumnMetaData& metadata, Encoding encoding) {
  return std::find(metadata.encodings.begin(), metadata.encodings.end(), encoding) != metadata.encodings.end();
}

// The array encoding a chunk used, as a column setting for re-encoding it.
ColumnEncoding array_encoding_of(const format::ColumnMetaData& metadata) {
  if (has_encoding(metadata, Encoding::byte_stream_split)) return ColumnEncoding::byte_stream_split;
  if (has_encoding(metadata, Encoding::delta_binary_packed)) return ColumnEncoding::delta_binary_packed;
  return ColumnEncoding::plain;
}

Codec codec_of(format::CompressionCodec codec, const ByteSource& source) {
  if (codec == format::CompressionCodec::zstd) return Codec::zstd;
  if (codec == format::CompressionCodec::uncompressed) return Codec::none;
  not_ours(source, "compression codec " + std::to_string(static_cast<int>(codec)));
}

// The statistics a footer recorded, back in ColumnStats form (chunk_statistics() in reverse).
ColumnStats stats_of(Dtype dtype, const std::optional<format::Statistics>& statistics) {
  ColumnStats stats;
  if (!statistics) return stats;
  stats.nan_count = static_cast<uint64_t>(statistics->nan_count.value_or(0));
  if (!statistics->min_value || !statistics->max_value) return stats;
  const std::size_t size = dtype_size(dtype);
  if (statistics->min_value->size() < size || statistics->max_value->size() < size) return stats;
  stats.has_min_max = true;
  std::memcpy(&stats.min_bits, statistics->min_value->data(), size);  // little endian: the low bytes
  std::memcpy(&stats.max_bits, statistics->max_value->data(), size);
  return stats;
}

// Physical values (4 or 8 bytes) back to `dtype` values: their low bytes.
void narrow_physical(Dtype dtype, const uint8_t* physical, std::size_t physical_size, std::size_t count,
                     uint8_t* out) {
  const std::size_t size = dtype_size(dtype);
  if (size == physical_size) {
    std::memcpy(out, physical, count * size);
    return;
  }
  for (std::size_t i = 0; i < count; ++i) std::memcpy(out + i * size, physical + i * physical_size, size);
}

int64_t load_i64(const std::vector<uint8_t>& values, std::size_t i) {
  int64_t v;
  std::memcpy(&v, values.data() + i * 8, 8);
  return v;
}

double load_f64(const std::vector<uint8_t>& values, std::size_t i) {
  double v;
  std::memcpy(&v, values.data() + i * 8, 8);
  return v;
}

void add_row(RowsSummary& summary, int64_t step, double time, bool new_frame) {
  if (summary.rows == 0) {
    summary.step_min = summary.step_max = step;
    summary.time_min = summary.time_max = time;
  } else {
    summary.step_min = std::min(summary.step_min, step);
    summary.step_max = std::max(summary.step_max, step);
    summary.time_min = std::min(summary.time_min, time);
    summary.time_max = std::max(summary.time_max, time);
  }
  ++summary.rows;
  if (new_frame) ++summary.frames;
}

}  // namespace

// Scratch reused across the row groups and columns of one split.
struct StepSplit::Leaf {
  ColumnChunkReader reader;
  std::vector<uint8_t> bytes, values, narrow;
};

StepSplit::StepSplit(const ByteSource& source, int64_t last_step) : source_(source), last_step_(last_step) {
  metadata_ = read_footer(source_);
  data_end_ = footer_offset(source_);
  const auto& schema = metadata_.schema;
  if (schema.size() < 3) not_ours(source_, "fewer than the step and time columns");
  if (!schema[0].num_children || static_cast<std::size_t>(*schema[0].num_children) != schema.size() - 1)
    not_ours(source_, "the schema is not flat");
  schema_.root_name = schema[0].name;
  for (std::size_t i = 1; i < schema.size(); ++i) {
    if (schema[i].num_children && *schema[i].num_children != 0) not_ours(source_, "the schema is not flat");
    schema_.columns.push_back({schema[i].name, dtype_of_leaf(schema[i], source_), ColumnEncoding::automatic});
  }
  if (schema_.columns[0].name != "step" || schema_.columns[0].dtype != Dtype::int64 ||
      schema_.columns[1].name != "time" || schema_.columns[1].dtype != Dtype::float64)
    not_ours(source_, "it does not start with step (INT64) and time (DOUBLE)");
  for (const auto& group : metadata_.row_groups) {
    if (group.columns.size() != schema_.columns.size())
      not_ours(source_, "a row group has " + std::to_string(group.columns.size()) + " columns for " +
                            std::to_string(schema_.columns.size()) + " in the schema");
    for (std::size_t c = 0; c < group.columns.size(); ++c) {
      const auto& md = group.columns[c].meta_data;
      if (md.type != column_type_of(schema_.columns[c].dtype).physical || md.path_in_schema.size() != 1 ||
          md.path_in_schema[0] != schema_.columns[c].name)
        not_ours(source_, "column chunk " + std::to_string(c) + " does not match the schema");
      if (md.num_values != group.num_rows)
        throw Error(Status::corrupt, source_.name() + ": column \"" + schema_.columns[c].name + "\" has " +
                                         std::to_string(md.num_values) + " values in a row group of " +
                                         std::to_string(group.num_rows) + " rows");
    }
  }
  plan();
}

void StepSplit::plan() {
  Leaf step, time;
  for (const auto& group : metadata_.row_groups) {
    for (auto* leaf : {&step, &time}) {
      const auto& md = group.columns[leaf == &step ? 0 : 1].meta_data;
      leaf->reader.read_bytes(source_, column_chunk_range(md, data_end_, source_.name()), leaf->bytes);
      leaf->reader.decode(md, leaf->bytes.data(), leaf->bytes.size(), source_.name(), leaf->values);
    }
    const auto rows = static_cast<std::size_t>(group.num_rows);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      const int64_t s = load_i64(step.values, i);
      const double t = load_f64(time.values, i);
      const bool new_frame = i == 0 || s != load_i64(step.values, i - 1) ||
                             std::memcmp(time.values.data() + i * 8, time.values.data() + (i - 1) * 8, 8) != 0;
      const bool keep = s <= last_step_;
      add_row(keep ? kept_ : dropped_, s, t, new_frame);
      kept += keep;
    }
    if (kept > 0) ++kept_.row_groups;
    if (kept < rows) ++dropped_.row_groups;
    fates_.push_back(kept == rows ? Fate::keep : kept == 0 ? Fate::drop : Fate::split);
  }
}

void StepSplit::copy_row_group(const format::RowGroup& group, std::vector<EncodedColumnChunk>& chunks) {
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& md = group.columns[c].meta_data;
    const ChunkRange range = column_chunk_range(md, data_end_, source_.name());
    EncodedColumnChunk& out = chunks[c];
    out.bytes.resize(static_cast<std::size_t>(range.size));
    source_.read_at(range.offset, out.bytes.data(), out.bytes.size());
    // Pages carry no file offsets: only the footer's change with the position.
    out.dictionary_page_offset =
        md.dictionary_page_offset ? *md.dictionary_page_offset - static_cast<int64_t>(range.offset) : -1;
    out.data_page_offset = md.data_page_offset - static_cast<int64_t>(range.offset);
    out.num_values = md.num_values;
    out.total_uncompressed_size = md.total_uncompressed_size;
    out.encodings = md.encodings;
    out.stats = stats_of(schema_.columns[c].dtype, md.statistics);
    out.codec = codec_of(md.codec, source_);
    out.compress_ns = 0;
    // The page index and bloom filter describe the same bytes and values.
    out.pages = read_page_entries(source_, group.columns[c], schema_.columns[c].dtype,
                                  static_cast<int64_t>(range.offset), static_cast<int64_t>(range.size));
    out.bloom_filter = read_bloom_filter(source_, md);
  }
}

void StepSplit::split_row_group(const format::RowGroup& group, std::vector<EncodedColumnChunk>& chunks) {
  Leaf leaf;
  // Which rows stay: the step column decides.
  const auto& step_md = group.columns[0].meta_data;
  leaf.reader.read_bytes(source_, column_chunk_range(step_md, data_end_, source_.name()), leaf.bytes);
  leaf.reader.decode(step_md, leaf.bytes.data(), leaf.bytes.size(), source_.name(), leaf.values);
  const auto rows = static_cast<std::size_t>(group.num_rows);
  std::vector<uint8_t> keep(rows);
  for (std::size_t i = 0; i < rows; ++i) keep[i] = load_i64(leaf.values, i) <= last_step_;

  std::unique_ptr<ColumnChunkEncoder> encoder;
  Codec encoder_codec = Codec::none;
  std::vector<ValueSegment> segments;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const auto& md = group.columns[c].meta_data;
    const ColumnDescriptor& column = schema_.columns[c];
    leaf.reader.read_bytes(source_, column_chunk_range(md, data_end_, source_.name()), leaf.bytes);
    leaf.reader.decode(md, leaf.bytes.data(), leaf.bytes.size(), source_.name(), leaf.values);
    const std::size_t physical = physical_value_size(md.type);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      if (!keep[i]) continue;
      if (kept != i) std::memmove(leaf.values.data() + kept * physical, leaf.values.data() + i * physical, physical);
      ++kept;
    }
    const std::size_t size = dtype_size(column.dtype);
    leaf.narrow.resize(kept * size);
    narrow_physical(column.dtype, leaf.values.data(), physical, kept, leaf.narrow.data());
    const ColumnStats stats = compute_column_stats(column.dtype, leaf.narrow.data(), kept);

    // The writer's form: step, time and scalar columns as one value per run
    // (dictionary pages), arrays in the chunk's own encoding.
    const bool dictionary = c < 2 || has_encoding(md, Encoding::rle_dictionary);
    segments.clear();
    if (dictionary) {
      for (std::size_t i = 0; i < kept;) {
        std::size_t j = i + 1;
        while (j < kept && std::memcmp(leaf.narrow.data() + j * size, leaf.narrow.data() + i * size, size) == 0) ++j;
        segments.push_back(ValueSegment{leaf.narrow.data() + i * size, j - i, true});
        i = j;
      }
    } else {
      segments.push_back(ValueSegment{leaf.narrow.data(), kept, false});
    }
    const Codec codec = codec_of(md.codec, source_);
    if (!encoder || encoder_codec != codec) {
      EncoderOptions options;
      options.codec = codec;
      encoder = std::make_unique<ColumnChunkEncoder>(options);
      encoder_codec = codec;
    }
    ColumnDescriptor descriptor = column;
    descriptor.encoding = dictionary ? ColumnEncoding::automatic : array_encoding_of(md);
    // A filter of the size the original had: the configuration that sized it is not in the file.
    descriptor.bloom_filter_bytes = static_cast<uint32_t>(read_bloom_filter(source_, md).size() * 4);
    if (c < 2)
      encoder->encode_dictionary(descriptor, segments.data(), segments.size(), stats, chunks[c]);
    else
      encoder->encode(descriptor, segments.data(), segments.size(), stats, chunks[c]);
  }
}

std::vector<ColumnChunkBytes> StepSplit::write_kept(ByteSink& sink) {
  if (kept_.rows == 0) throw Error(Status::internal, source_.name() + ": no rows to keep");
  std::vector<KeyValue> key_values;
  for (const auto& kv : metadata_.key_value_metadata) key_values.push_back({kv.key, kv.value.value_or("")});
  FileWriter writer(sink, schema_, std::move(key_values));
  std::vector<ColumnChunkBytes> bytes;
  for (const auto& column : schema_.columns) bytes.push_back({column.name, 0, 0});
  std::vector<EncodedColumnChunk> chunks(schema_.columns.size());
  for (std::size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    const auto& group = metadata_.row_groups[g];
    if (fates_[g] == Fate::drop) continue;
    if (fates_[g] == Fate::keep)
      copy_row_group(group, chunks);
    else
      split_row_group(group, chunks);
    writer.append_row_group(chunks[0].num_values, chunks.data(), chunks.size());
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      bytes[c].uncompressed_bytes += chunks[c].total_uncompressed_size;
      bytes[c].compressed_bytes += chunks[c].total_compressed_size();
    }
  }
  writer.finish();
  return bytes;
}

}  // namespace simingest::parquet
