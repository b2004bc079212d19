// Reading a Parquet file's footer: "PAR1" at both ends, the footer length,
// then FileMetaData in Thrift compact protocol (metadata_reader.hpp).
#pragma once

#include "parquet/byte_source.hpp"
#include "parquet/parquet_metadata.hpp"

namespace simingest::parquet {

// The decoded footer. Throws Error(Status::corrupt) naming the source if a
// magic is missing, the footer length does not fit the file or the footer
// does not decode; Error(io) if reading fails.
format::FileMetaData read_footer(const ByteSource& source);

// Where the footer starts (the byte after the last column chunk).
uint64_t footer_offset(const ByteSource& source);

}  // namespace simingest::parquet
