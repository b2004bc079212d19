#include "storage/avro_container.hpp"

#include <zlib.h>
#include <zstd.h>

#include <random>

#include "core/status.hpp"

namespace simingest::storage::avro {

namespace {

constexpr int kZstdLevel = 1;  // the log is for latency: the fastest level that still compresses

// Names in the schema are stream and column names, which the naming rule
// (core/names.hpp) keeps to [A-Za-z_][A-Za-z0-9_]*: valid Avro names, no escaping needed.
void append_field(std::string& out, const std::string& name, const std::string& type) {
  out += "{\"name\":\"" + name + "\",\"type\":" + type + "}";
}

}  // namespace

Primitive primitive_of(Dtype dtype) noexcept {
  switch (dtype) {
    case Dtype::float32: return Primitive::float_;
    case Dtype::float64: return Primitive::double_;
    case Dtype::int64: case Dtype::uint32: case Dtype::uint64: return Primitive::long_;
    default: return Primitive::int_;
  }
}

const char* primitive_name(Primitive primitive) noexcept {
  switch (primitive) {
    case Primitive::int_: return "int";
    case Primitive::long_: return "long";
    case Primitive::float_: return "float";
    case Primitive::double_: return "double";
  }
  return "null";
}

const char* codec_name(AvroCodec codec) noexcept {
  switch (codec) {
    case AvroCodec::null: return "null";
    case AvroCodec::deflate: return "deflate";
    case AvroCodec::zstandard: return "zstandard";
  }
  return "null";
}

std::string log_schema_json(const StreamConfig& stream) {
  std::string out = "{\"type\":\"record\",\"name\":\"" + stream.name + "\",\"namespace\":\"simingest\",\"fields\":[";
  append_field(out, "step", "\"long\"");
  out += ',';
  append_field(out, "time", "\"double\"");
  for (const ColumnConfig& column : stream.columns) {
    const std::string plain = std::string("\"") + primitive_name(primitive_of(column.dtype)) + "\"";
    out += ',';
    append_field(out, column.name, "[" + plain + ",{\"type\":\"array\",\"items\":" + plain + "}]");
  }
  out += "]}";
  return out;
}

std::vector<Primitive> log_column_types(const StreamConfig& stream) {
  std::vector<Primitive> types;
  types.reserve(stream.columns.size());
  for (const ColumnConfig& column : stream.columns) types.push_back(primitive_of(column.dtype));
  return types;
}

SyncMarker random_sync_marker() {
  std::random_device device;
  SyncMarker sync{};
  for (std::size_t i = 0; i < sync.size(); i += 4) {
    const uint32_t word = device();
    for (std::size_t b = 0; b < 4; ++b) sync[i + b] = static_cast<uint8_t>(word >> (8 * b));
  }
  return sync;
}

Bytes container_header(const std::string& schema_json, AvroCodec codec, const SyncMarker& sync) {
  Bytes out;
  append_raw(out, kMagic, sizeof kMagic);
  append_long(out, 2);  // one map block of two entries, then the empty block that ends the map
  append_string(out, "avro.codec");
  append_string(out, codec_name(codec));
  append_string(out, "avro.schema");
  append_string(out, schema_json);
  append_long(out, 0);
  append_raw(out, sync.data(), sync.size());
  return out;
}

void append_block(Bytes& out, int64_t count, const uint8_t* data, std::size_t size, const SyncMarker& sync) {
  append_long(out, count);
  append_long(out, static_cast<int64_t>(size));
  append_raw(out, data, size);
  append_raw(out, sync.data(), sync.size());
}

BlockCodec::BlockCodec(AvroCodec codec) : codec_(codec) {}

BlockCodec::~BlockCodec() {
  if (zstd_c_) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zstd_c_));
  if (zstd_d_) ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(zstd_d_));
  if (deflate_) {
    auto* stream = static_cast<z_stream*>(deflate_);
    deflateEnd(stream);
    delete stream;
  }
}

void BlockCodec::compress(const uint8_t* data, std::size_t size, Bytes& out) {
  const std::size_t start = out.size();
  switch (codec_) {
    case AvroCodec::null: append_raw(out, data, size); return;
    case AvroCodec::zstandard: {
      if (!zstd_c_) zstd_c_ = ZSTD_createCCtx();
      if (!zstd_c_) throw Error(Status::out_of_memory, "zstd: cannot create a compression context");
      out.resize(start + ZSTD_compressBound(size));
      const std::size_t n = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(zstd_c_), out.data() + start,
                                              out.size() - start, data, size, kZstdLevel);
      if (ZSTD_isError(n)) throw Error(Status::internal, std::string("zstd: ") + ZSTD_getErrorName(n));
      out.resize(start + n);
      return;
    }
    case AvroCodec::deflate: {
      if (!deflate_) {
        auto* stream = new z_stream{};
        // Negative window bits: raw deflate (RFC 1951), as Avro's deflate codec is defined.
        if (deflateInit2(stream, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
          delete stream;
          throw Error(Status::internal, "zlib: deflateInit2 failed");
        }
        deflate_ = stream;
      }
      auto* stream = static_cast<z_stream*>(deflate_);
      deflateReset(stream);
      out.resize(start + deflateBound(stream, static_cast<uLong>(size)));
      stream->next_in = const_cast<Bytef*>(data);
      stream->avail_in = static_cast<uInt>(size);
      stream->next_out = out.data() + start;
      stream->avail_out = static_cast<uInt>(out.size() - start);
      if (deflate(stream, Z_FINISH) != Z_STREAM_END) throw Error(Status::internal, "zlib: deflate did not finish");
      out.resize(start + stream->total_out);
      return;
    }
  }
}

bool BlockCodec::decompress(const uint8_t* data, std::size_t size, Bytes& out) {
  out.clear();
  switch (codec_) {
    case AvroCodec::null: out.assign(data, data + size); return true;
    case AvroCodec::zstandard: {
      const unsigned long long content = ZSTD_getFrameContentSize(data, size);
      if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content > (1ull << 32))
        return false;
      if (!zstd_d_) zstd_d_ = ZSTD_createDCtx();
      if (!zstd_d_) throw Error(Status::out_of_memory, "zstd: cannot create a decompression context");
      out.resize(static_cast<std::size_t>(content));
      const std::size_t n = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(zstd_d_), out.data(), out.size(), data, size);
      return !ZSTD_isError(n) && n == out.size();
    }
    case AvroCodec::deflate: {
      z_stream stream{};
      if (inflateInit2(&stream, -15) != Z_OK) throw Error(Status::internal, "zlib: inflateInit2 failed");
      stream.next_in = const_cast<Bytef*>(data);
      stream.avail_in = static_cast<uInt>(size);
      int rc = Z_OK;
      uint8_t chunk[64 * 1024];
      while (rc == Z_OK) {
        stream.next_out = chunk;
        stream.avail_out = sizeof chunk;
        rc = inflate(&stream, Z_NO_FLUSH);
        out.insert(out.end(), chunk, chunk + (sizeof chunk - stream.avail_out));
        if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended before the stream did
      }
      inflateEnd(&stream);
      return rc == Z_STREAM_END && stream.avail_in == 0;
    }
  }
  return false;
}

}  // namespace simingest::storage::avro
