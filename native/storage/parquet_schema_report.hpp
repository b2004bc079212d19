// The Parquet schema of a committed file as `simingest inspect` shows it: per
// leaf column its physical type, logical type, the encodings its chunks use
// and its codec, read from the file's footer (the one thing inspect reads
// beyond the manifest: encodings and codec are the writer's choice per chunk,
// so only a file can say them).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace simingest::storage {

// [{ "name", "physicalType": "INT64"|"DOUBLE"|…, "logicalType": "INTEGER(8,signed)"|null,
//    "encodings": ["RLE_DICTIONARY", …], "codec": "ZSTD"|… }] of the file at
// `root`/`relative_path`; encodings and codecs are the union over its row
// groups (codecs joined with "+" if they differ). Throws Error(io) if the
// file cannot be read, Error(corrupt) if its footer is damaged.
nlohmann::ordered_json parquet_schema_json(const std::string& root, const std::string& relative_path);

}  // namespace simingest::storage
