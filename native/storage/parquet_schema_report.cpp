#include "storage/parquet_schema_report.hpp"

#include <algorithm>
#include <vector>

#include "parquet/footer_reader.hpp"
#include "storage/file_source.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;
namespace format = parquet::format;

// Names as parquet.thrift spells them.
const char* type_name(format::Type type) {
  switch (type) {
    case format::Type::boolean: return "BOOLEAN";
    case format::Type::int32: return "INT32";
    case format::Type::int64: return "INT64";
    case format::Type::int96: return "INT96";
    case format::Type::float_: return "FLOAT";
    case format::Type::double_: return "DOUBLE";
    case format::Type::byte_array: return "BYTE_ARRAY";
    case format::Type::fixed_len_byte_array: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

std::string encoding_name(parquet::Encoding encoding) {
  switch (encoding) {
    case parquet::Encoding::plain: return "PLAIN";
    case parquet::Encoding::rle: return "RLE";
    case parquet::Encoding::delta_binary_packed: return "DELTA_BINARY_PACKED";
    case parquet::Encoding::rle_dictionary: return "RLE_DICTIONARY";
    case parquet::Encoding::byte_stream_split: return "BYTE_STREAM_SPLIT";
  }
  return "ENCODING(" + std::to_string(static_cast<int32_t>(encoding)) + ")";
}

std::string codec_name(format::CompressionCodec codec) {
  switch (codec) {
    case format::CompressionCodec::uncompressed: return "UNCOMPRESSED";
    case format::CompressionCodec::snappy: return "SNAPPY";
    case format::CompressionCodec::gzip: return "GZIP";
    case format::CompressionCodec::zstd: return "ZSTD";
  }
  return "CODEC(" + std::to_string(static_cast<int32_t>(codec)) + ")";
}

Json logical_type(const format::SchemaElement& element) {
  if (!element.logical_type || !element.logical_type->integer) return Json(nullptr);
  const format::IntType& integer = *element.logical_type->integer;
  return "INTEGER(" + std::to_string(integer.bit_width) + "," + (integer.is_signed ? "signed" : "unsigned") + ")";
}

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

}  // namespace

Json parquet_schema_json(const std::string& root, const std::string& relative_path) {
  const FileSource source(root + "/" + relative_path, relative_path);
  const format::FileMetaData metadata = parquet::read_footer(source);
  Json columns = Json::array();
  // schema[0] is the root group; simingest's leaves follow it, one per column chunk.
  for (std::size_t leaf = 0; leaf + 1 < metadata.schema.size(); ++leaf) {
    const format::SchemaElement& element = metadata.schema[leaf + 1];
    std::vector<std::string> encodings, codecs;
    for (const format::RowGroup& group : metadata.row_groups) {
      if (leaf >= group.columns.size()) continue;
      const format::ColumnMetaData& chunk = group.columns[leaf].meta_data;
      for (parquet::Encoding encoding : chunk.encodings) add_unique(encodings, encoding_name(encoding));
      add_unique(codecs, codec_name(chunk.codec));
    }
    std::string codec;
    for (const std::string& name : codecs) codec += (codec.empty() ? "" : "+") + name;
    columns.push_back({{"name", element.name},
                       {"physicalType", element.type ? Json(type_name(*element.type)) : Json(nullptr)},
                       {"logicalType", logical_type(element)},
                       {"encodings", encodings},
                       {"codec", codecs.empty() ? Json(nullptr) : Json(codec)}});
  }
  return columns;
}

}  // namespace simingest::storage
