#include "parquet/page_writer.hpp"

#include <chrono>

#include <limits>
#include <string>

#include "core/status.hpp"

namespace simingest::parquet {

namespace {

int32_t checked_i32(std::size_t value, const char* what) {
  if (value > static_cast<std::size_t>(std::numeric_limits<int32_t>::max()))
    throw Error(Status::internal, std::string("parquet page: ") + what + " exceeds 2^31-1");
  return static_cast<int32_t>(value);
}

}  // namespace

int64_t PageWriter::write_data_page(const std::vector<uint8_t>& body, std::size_t num_values,
                                    Encoding encoding, EncodedColumnChunk& chunk) {
  format::PageHeader header;
  header.type = format::PageType::data_page;
  format::DataPageHeader data;
  data.num_values = checked_i32(num_values, "value count");
  data.encoding = encoding;
  // Every column is REQUIRED and flat: there are no levels, but the header
  // must still name their (RLE) encoding.
  data.definition_level_encoding = Encoding::rle;
  data.repetition_level_encoding = Encoding::rle;
  header.data_page_header = data;
  return write_page(header, body, chunk);
}

int64_t PageWriter::write_dictionary_page(const std::vector<uint8_t>& body, std::size_t num_values,
                                          EncodedColumnChunk& chunk) {
  format::PageHeader header;
  header.type = format::PageType::dictionary_page;
  format::DictionaryPageHeader dict;
  dict.num_values = checked_i32(num_values, "dictionary size");
  // PLAIN, not the deprecated PLAIN_DICTIONARY (Encodings.md, "Dictionary Encoding").
  dict.encoding = Encoding::plain;
  header.dictionary_page_header = dict;
  return write_page(header, body, chunk);
}

int64_t PageWriter::write_page(format::PageHeader& header, const std::vector<uint8_t>& body,
                               EncodedColumnChunk& chunk) {
  header.uncompressed_page_size = checked_i32(body.size(), "page size");
  const uint8_t* payload = body.data();
  std::size_t payload_size = body.size();
  if (compressor_.codec() != Codec::none) {
    compressed_.clear();
    const auto started = std::chrono::steady_clock::now();
    payload_size = compressor_.compress(body.data(), body.size(), compressed_);
    chunk.compress_ns +=
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
    payload = compressed_.data();
  }
  header.compressed_page_size = checked_i32(payload_size, "compressed page size");
  header_.clear();
  format::serialize(header, header_);

  const auto offset = static_cast<int64_t>(chunk.bytes.size());
  chunk.bytes.insert(chunk.bytes.end(), header_.begin(), header_.end());
  chunk.bytes.insert(chunk.bytes.end(), payload, payload + payload_size);
  chunk.total_uncompressed_size += static_cast<int64_t>(header_.size() + body.size());
  return offset;
}

}  // namespace simingest::parquet
