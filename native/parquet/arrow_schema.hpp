// The `ARROW:schema` key-value entry Arrow writers put in a Parquet footer:
// base64 of an Arrow IPC message (continuation 0xFFFFFFFF, int32 length, the
// flatbuffer `Message` whose header is a `Schema`, padded to 8 bytes), per
// Arrow's Message.fbs and Schema.fbs (columnar format, "Encapsulated message
// format"). We write it only to carry field metadata (a column's unit and
// description) that pyarrow then shows on its fields; the types it states are
// the ones Arrow derives from our Parquet schema anyway (Int / FloatingPoint,
// not nullable: our columns are REQUIRED), so readers that use it read the
// same table.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "parquet/file_writer.hpp"

namespace simingest::parquet {

// One leaf column's Arrow field metadata (key, value), in order; may be empty.
using FieldMetadata = std::vector<std::pair<std::string, std::string>>;

// `metadata[i]` belongs to `schema.columns[i]` (missing entries: none).
// `schema_metadata`: the file's other key-value entries, repeated as the
// Schema's custom_metadata, since Arrow readers that find an ARROW:schema take
// the schema's metadata from it. The IPC message, not yet base64-encoded.
std::string arrow_schema_message(const FileSchema& schema, const std::vector<FieldMetadata>& metadata,
                                 const std::vector<KeyValue>& schema_metadata);

// RFC 4648 base64 with padding, as Arrow's reader decodes it.
std::string base64_encode(const std::string& bytes);

}  // namespace simingest::parquet
