// Decoding the parquet.thrift structs of parquet_metadata.hpp from the Thrift
// compact protocol: the inverse of its write() functions, for the footers and
// page headers of files simingest wrote. Fields the structs do not hold are
// skipped; a required field that is missing, or a field of the wrong type,
// throws Error(Status::corrupt) naming the struct and field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/parquet_metadata.hpp"
#include "parquet/thrift_compact_reader.hpp"

namespace simingest::parquet::format {

// Each reads one struct at the reader's position.
void read(thrift::CompactReader& r, SchemaElement& value);
void read(thrift::CompactReader& r, Statistics& value);
void read(thrift::CompactReader& r, PageHeader& value);
void read(thrift::CompactReader& r, KeyValue& value);
void read(thrift::CompactReader& r, ColumnMetaData& value);
void read(thrift::CompactReader& r, ColumnChunk& value);
void read(thrift::CompactReader& r, RowGroup& value);
void read(thrift::CompactReader& r, FileMetaData& value);
// The page index and bloom filter headers (index_metadata_reader.cpp).
void read(thrift::CompactReader& r, OffsetIndex& value);
void read(thrift::CompactReader& r, ColumnIndex& value);
// Throws Error(corrupt) unless the header names the split-block algorithm,
// xxHash64 and no compression: the only filters simingest can read.
void read(thrift::CompactReader& r, BloomFilterHeader& value);

}  // namespace simingest::parquet::format
