#include "parquet/column_chunk_reader.hpp"

#include <cstring>

#include "core/status.hpp"
#include "kernels/byte_stream_split.hpp"
#include "parquet/delta_binary_packed_decoder.hpp"
#include "parquet/metadata_reader.hpp"
#include "parquet/rle_hybrid_decoder.hpp"

namespace simingest::parquet {

using format::PageType;

std::size_t physical_value_size(format::Type type) noexcept {
  switch (type) {
    case format::Type::int32:
    case format::Type::float_: return 4;
    case format::Type::int64:
    case format::Type::double_: return 8;
    default: return 0;
  }
}

ChunkRange column_chunk_range(const format::ColumnMetaData& metadata, uint64_t data_end, const std::string& source) {
  int64_t start = metadata.data_page_offset;
  if (metadata.dictionary_page_offset && *metadata.dictionary_page_offset < start)
    start = *metadata.dictionary_page_offset;
  const int64_t size = metadata.total_compressed_size;
  if (start < 4 || size <= 0 || static_cast<uint64_t>(start) > data_end ||
      static_cast<uint64_t>(size) > data_end - static_cast<uint64_t>(start))
    throw Error(Status::corrupt, source + ": column chunk at " + std::to_string(start) + " of " +
                                     std::to_string(size) + " bytes lies outside the data of the file");
  return ChunkRange{static_cast<uint64_t>(start), static_cast<uint64_t>(size)};
}

void ColumnChunkReader::read_bytes(const ByteSource& file, const ChunkRange& range, std::vector<uint8_t>& bytes) {
  bytes.resize(static_cast<std::size_t>(range.size));
  file.read_at(range.offset, bytes.data(), bytes.size());
}

void ColumnChunkReader::decode(const format::ColumnMetaData& metadata, const uint8_t* data, std::size_t size,
                               const std::string& source, std::vector<uint8_t>& values) {
  if (metadata.num_values < 0 || static_cast<uint64_t>(metadata.num_values) > (uint64_t{1} << 40))
    throw Error(Status::corrupt, source + ": impossible value count " + std::to_string(metadata.num_values));
  decode_pages(metadata, data, size, static_cast<uint64_t>(metadata.num_values), source, values);
}

void ColumnChunkReader::decode_pages(const format::ColumnMetaData& metadata, const uint8_t* data, std::size_t size,
                                     uint64_t rows, const std::string& source, std::vector<uint8_t>& values) {
  auto corrupt = [&](const std::string& what) { return Error(Status::corrupt, source + ": " + what); };
  const std::size_t width = physical_value_size(metadata.type);
  if (width == 0) throw corrupt("physical type " + std::to_string(static_cast<int>(metadata.type)) + " is not one simingest writes");
  if (rows > (uint64_t{1} << 40)) throw corrupt("impossible value count " + std::to_string(rows));
  const auto total = static_cast<std::size_t>(rows);
  values.resize(total * width);
  dictionary_.clear();
  bool has_dictionary = false;
  std::size_t filled = 0;
  std::size_t pos = 0;
  while (pos < size) {
    thrift::CompactReader header_reader(data + pos, size - pos, source + ": page header");
    format::PageHeader header;
    format::read(header_reader, header);
    pos += header_reader.position();
    const auto stored = static_cast<std::size_t>(header.compressed_page_size);
    if (stored > size - pos) throw corrupt("page body runs past the column chunk");
    const uint8_t* body = decompressor_.decompress(metadata.codec, data + pos, stored,
                                                   static_cast<std::size_t>(header.uncompressed_page_size), page_, source);
    const auto body_size = static_cast<std::size_t>(header.uncompressed_page_size);
    pos += stored;

    if (header.type == PageType::dictionary_page) {
      if (!header.dictionary_page_header || has_dictionary) throw corrupt("unexpected dictionary page");
      const auto& dict = *header.dictionary_page_header;
      // PLAIN, or the deprecated PLAIN_DICTIONARY (2) which means the same here.
      if (dict.encoding != Encoding::plain && static_cast<int>(dict.encoding) != 2)
        throw corrupt("dictionary page encoding " + std::to_string(static_cast<int>(dict.encoding)));
      if (dict.num_values < 0 || static_cast<std::size_t>(dict.num_values) * width != body_size)
        throw corrupt("dictionary page of " + std::to_string(body_size) + " bytes for " +
                      std::to_string(dict.num_values) + " values");
      dictionary_.assign(body, body + body_size);
      has_dictionary = true;
      continue;
    }
    if (header.type != PageType::data_page) {
      if (header.type == PageType::index_page) continue;
      throw corrupt("page type " + std::to_string(static_cast<int>(header.type)) + " is not one simingest writes");
    }
    if (!header.data_page_header) throw corrupt("data page without its header");
    const auto& page = *header.data_page_header;
    if (page.num_values < 0 || static_cast<std::size_t>(page.num_values) > total - filled)
      throw corrupt("data pages hold more values than the column chunk's " + std::to_string(total));
    const auto n = static_cast<std::size_t>(page.num_values);
    uint8_t* out = values.data() + filled * width;
    switch (page.encoding) {
      case Encoding::plain:
        if (body_size != n * width) throw corrupt("PLAIN page of " + std::to_string(body_size) + " bytes for " + std::to_string(n) + " values");
        if (n) std::memcpy(out, body, n * width);
        break;
      case Encoding::byte_stream_split:
        if (body_size != n * width)
          throw corrupt("BYTE_STREAM_SPLIT page of " + std::to_string(body_size) + " bytes for " + std::to_string(n) + " values");
        kernels::byte_stream_split_gather(body, n, width, out);
        break;
      case Encoding::delta_binary_packed:
        if (metadata.type != format::Type::int32 && metadata.type != format::Type::int64)
          throw corrupt("DELTA_BINARY_PACKED on a non-integer column");
        decode_delta_binary_packed(body, body_size, width, n, out, source);
        break;
      case Encoding::rle_dictionary: {
        if (!has_dictionary) throw corrupt("dictionary-encoded page without a dictionary page");
        if (body_size < 1) throw corrupt("dictionary-encoded page without its bit width");
        indices_.resize(n);
        decode_rle_hybrid(body + 1, body_size - 1, body[0], n, indices_.data(), source);
        const std::size_t entries = dictionary_.size() / width;
        for (std::size_t i = 0; i < n; ++i) {
          if (indices_[i] >= entries) throw corrupt("dictionary index " + std::to_string(indices_[i]) + " out of range");
          std::memcpy(out + i * width, dictionary_.data() + indices_[i] * width, width);
        }
        break;
      }
      default:
        throw corrupt("encoding " + std::to_string(static_cast<int>(page.encoding)) + " is not one simingest writes");
    }
    filled += n;
  }
  if (filled != total)
    throw corrupt("column chunk holds " + std::to_string(filled) + " values, its metadata says " + std::to_string(total));
}

}  // namespace simingest::parquet
