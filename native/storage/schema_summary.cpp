#include "storage/schema_summary.hpp"

#include "core/schema_evolution.hpp"
#include "parquet/file_writer.hpp"

namespace simingest::storage {

std::string schema_summary_bytes(const std::string& stream, const std::vector<SchemaVersion>& history) {
  std::vector<std::string> texts;
  texts.reserve(history.size());
  for (const SchemaVersion& v : history) texts.push_back(v.schema);
  parquet::FileSchema schema;
  std::vector<bool> optional = {false, false};
  schema.columns.emplace_back("step", Dtype::int64);
  schema.columns.emplace_back("time", Dtype::float64);
  for (const UnifiedColumn& column : unified_columns(texts)) {
    schema.columns.emplace_back(column.name, column.dtype);
    optional.push_back(!column.in_every_version);
  }
  const std::vector<parquet::KeyValue> key_values = {
      {"simingest.stream", stream},
      {"simingest.schema", history.back().schema},
      {"simingest.schemaVersion", std::to_string(history.back().version)}};
  const std::vector<uint8_t> bytes = parquet::summary_file_bytes(schema, optional, key_values);
  return std::string(bytes.begin(), bytes.end());
}

void write_schema_summary(const std::string& root, const std::string& stream, const std::vector<SchemaVersion>& history,
                          IoTimings& timings) {
  const std::string directory = root + "/" + stream;
  make_directories(directory);
  replace_file(directory + "/" + kSchemaSummaryName, schema_summary_bytes(stream, history), timings);
}

}  // namespace simingest::storage
