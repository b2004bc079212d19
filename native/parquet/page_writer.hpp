// Appending pages to a column chunk: header (Thrift compact PageHeader) then
// the body compressed on its own. Keeps the chunk's size accounting in one
// place: total_uncompressed_size counts headers plus uncompressed bodies,
// the compressed size is the bytes themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "parquet/codec.hpp"
#include "parquet/column_chunk.hpp"

namespace simingest::parquet {

class PageWriter {
 public:
  PageWriter(Codec codec, int level) : compressor_(codec, level) {}

  Codec codec() const noexcept { return compressor_.codec(); }

  // Each appends one page to `chunk.bytes` and returns its offset in it.
  // Throws Error(Status::internal) if a size exceeds what the header can hold.
  int64_t write_data_page(const std::vector<uint8_t>& body, std::size_t num_values, Encoding encoding,
                          EncodedColumnChunk& chunk);
  int64_t write_dictionary_page(const std::vector<uint8_t>& body, std::size_t num_values,
                                EncodedColumnChunk& chunk);

 private:
  int64_t write_page(format::PageHeader& header, const std::vector<uint8_t>& body,
                     EncodedColumnChunk& chunk);

  Compressor compressor_;
  std::vector<uint8_t> compressed_;
  std::vector<uint8_t> header_;
};

}  // namespace simingest::parquet
