// Writes Parquet files with the parquet layer alone, for
// test/python/test_parquet_writer.py to read back with pyarrow, duckdb and
// polars. The values follow a formula that the Python test restates on its
// own; the two must change together.
//
//   write_fixture <output directory>
//
// Files: <encoding>_<codec>.parquet for encoding in auto, plain, bss, delta
// and codec in none, zstd (page_bytes 4096), plus auto_zstd_tiny_pages.parquet
// (page_bytes 64). Each has 3 row groups of 4, 5 and 3 frames; frame g (over
// the file) has 200 + 97 * (g % 5) rows.
//
// Columns:
//   step     int64   scalar per frame: 1000 + g                 (dictionary)
//   time     float64 scalar per frame: (g / 2) * 0.25           (dictionary)
//   <dtype>  every dtype; frames with g % 3 == 1 pass a scalar (the value of
//            the frame's first row), the others an array of value(r) for the
//            file-global row index r
//   <dtype>_s every dtype, scalar per frame: value(7 * (g / 2))
//
// value(r), integers of w bits: r % 7 == 0: special[(r / 7) % 5] with
//   signed   {min, max, 0, -1, 1}, unsigned {0, max, 2^(w-1), 2^(w-1)-1, 1};
//   else r % 3 == 1: r truncated to w bits;
//   else (r * 0x9E3779B97F4A7C15 + 0x1234567) mod 2^64 truncated to w bits.
// value(r), floats: r % 7 == 0: special[(r / 7) % 8] with
//   {NaN, +inf, -inf, -0.0, +0.0, max, smallest subnormal, lowest};
//   else (r - 500) * 0.37 computed in double (float32: then rounded).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/column_stats.hpp"
#include "core/dtype.hpp"
#include "core/status.hpp"
#include "kernels/column_stats_kernel.hpp"
#include "parquet/column_chunk.hpp"
#include "parquet/file_writer.hpp"

using namespace simingest;
using namespace simingest::parquet;

namespace {

constexpr Dtype kDtypes[] = {Dtype::float32, Dtype::float64, Dtype::int8,   Dtype::int16,
                             Dtype::int32,   Dtype::int64,   Dtype::uint8,  Dtype::uint16,
                             Dtype::uint32,  Dtype::uint64};
constexpr int kFramesPerRowGroup[] = {4, 5, 3};

std::size_t frame_rows(std::size_t g) { return 200 + 97 * (g % 5); }

template <class T>
uint64_t bits_of(T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof v);
  return bits;
}

// value(r) as the dtype's bits, zero-extended.
uint64_t value_bits(Dtype dtype, uint64_t r) {
  const std::size_t size = dtype_size(dtype);
  if (dtype == Dtype::float64 || dtype == Dtype::float32) {
    const bool is32 = dtype == Dtype::float32;
    if (r % 7 == 0) {
      switch ((r / 7) % 8) {
        case 0: return is32 ? bits_of(std::numeric_limits<float>::quiet_NaN())
                            : bits_of(std::numeric_limits<double>::quiet_NaN());
        case 1: return is32 ? bits_of(std::numeric_limits<float>::infinity())
                            : bits_of(std::numeric_limits<double>::infinity());
        case 2: return is32 ? bits_of(-std::numeric_limits<float>::infinity())
                            : bits_of(-std::numeric_limits<double>::infinity());
        case 3: return is32 ? bits_of(-0.0f) : bits_of(-0.0);
        case 4: return is32 ? bits_of(0.0f) : bits_of(0.0);
        case 5: return is32 ? bits_of(std::numeric_limits<float>::max())
                            : bits_of(std::numeric_limits<double>::max());
        case 6: return is32 ? bits_of(std::numeric_limits<float>::denorm_min())
                            : bits_of(std::numeric_limits<double>::denorm_min());
        default: return is32 ? bits_of(std::numeric_limits<float>::lowest())
                             : bits_of(std::numeric_limits<double>::lowest());
      }
    }
    const double v = (static_cast<double>(r) - 500.0) * 0.37;
    return is32 ? bits_of(static_cast<float>(v)) : bits_of(v);
  }
  const int w = static_cast<int>(size * 8);
  const uint64_t mask = w == 64 ? ~0ull : ((1ull << w) - 1);
  const uint64_t top = 1ull << (w - 1);
  if (r % 7 == 0) {
    const bool is_signed = !dtype_is_unsigned(dtype);
    switch ((r / 7) % 5) {
      case 0: return is_signed ? top : 0;                    // min
      case 1: return is_signed ? top - 1 : mask;             // max
      case 2: return is_signed ? 0 : top;
      case 3: return is_signed ? mask : top - 1;             // -1 / 2^(w-1)-1
      default: return 1;
    }
  }
  if (r % 3 == 1) return r & mask;
  return (r * 0x9E3779B97F4A7C15ull + 0x1234567ull) & mask;
}

void put_bits(uint64_t bits, std::size_t size, uint8_t* dst) { std::memcpy(dst, &bits, size); }

class FileSink final : public ByteSink {
 public:
  explicit FileSink(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (!file_) throw Error(Status::io, "cannot create " + path);
  }
  ~FileSink() override {
    if (file_) std::fclose(file_);
  }
  void write(const void* data, std::size_t size) override {
    if (size && std::fwrite(data, 1, size, file_) != size) throw Error(Status::io, "short write");
  }

 private:
  std::FILE* file_;
};

// One column's data for one frame: the array or the scalar.
struct FrameColumn {
  std::vector<uint8_t> bytes;
  bool is_scalar = false;
  std::size_t rows = 0;
};

struct ColumnPlan {
  ColumnDescriptor descriptor;
  enum class Kind { step, time, mixed, scalar } kind;
};

FrameColumn make_frame_column(const ColumnPlan& plan, std::size_t g, uint64_t first_row, std::size_t rows) {
  const Dtype dtype = plan.descriptor.dtype;
  const std::size_t size = dtype_size(dtype);
  FrameColumn c;
  c.rows = rows;
  c.bytes.resize(size);
  switch (plan.kind) {
    case ColumnPlan::Kind::step: {
      const int64_t step = 1000 + static_cast<int64_t>(g);
      std::memcpy(c.bytes.data(), &step, 8);
      c.is_scalar = true;
      return c;
    }
    case ColumnPlan::Kind::time: {
      const double t = static_cast<double>(g / 2) * 0.25;
      std::memcpy(c.bytes.data(), &t, 8);
      c.is_scalar = true;
      return c;
    }
    case ColumnPlan::Kind::scalar:
      put_bits(value_bits(dtype, 7 * (g / 2)), size, c.bytes.data());
      c.is_scalar = true;
      return c;
    case ColumnPlan::Kind::mixed:
      if (g % 3 == 1) {
        put_bits(value_bits(dtype, first_row), size, c.bytes.data());
        c.is_scalar = true;
        return c;
      }
      c.bytes.resize(size * rows);
      for (std::size_t i = 0; i < rows; ++i) put_bits(value_bits(dtype, first_row + i), size, &c.bytes[i * size]);
      return c;
  }
  return c;
}

void write_file(const std::string& path, ColumnEncoding encoding, Codec codec, std::size_t page_bytes) {
  std::vector<ColumnPlan> plan;
  plan.push_back({{"step", Dtype::int64, ColumnEncoding::automatic}, ColumnPlan::Kind::step});
  plan.push_back({{"time", Dtype::float64, ColumnEncoding::automatic}, ColumnPlan::Kind::time});
  for (Dtype d : kDtypes) {
    ColumnEncoding e = encoding;
    if (e == ColumnEncoding::delta_binary_packed && dtype_is_float(d)) e = ColumnEncoding::automatic;
    const std::string name(dtype_name(d));
    plan.push_back({{name, d, e}, ColumnPlan::Kind::mixed});
    plan.push_back({{name + "_s", d, e}, ColumnPlan::Kind::scalar});
  }

  FileSchema schema;
  for (const ColumnPlan& p : plan) schema.columns.push_back(p.descriptor);
  FileSink sink(path);
  FileWriter writer(sink, schema,
                    {{"simingest.version", SIMINGEST_VERSION_STRING},
                     {"simingest.stream", "fixture"},
                     {"simingest.schema", "{\"columns\":[],\"grid\":[],\"partition\":{}}"},
                     {"fixture.unicode", "\xc3\xa9t\xc3\xa9"}});

  EncoderOptions options;
  options.codec = codec;
  options.level = 3;
  options.page_bytes = page_bytes;
  ColumnChunkEncoder encoder(options);  // one encoder for the whole file: reuse is part of the test

  std::size_t g = 0;
  uint64_t row = 0;
  for (int frames : kFramesPerRowGroup) {
    // Build the row group's frames column by column.
    std::vector<std::vector<FrameColumn>> data(plan.size());
    uint64_t group_rows = 0;
    for (int f = 0; f < frames; ++f) {
      const std::size_t rows = frame_rows(g + f);
      for (std::size_t c = 0; c < plan.size(); ++c)
        data[c].push_back(make_frame_column(plan[c], g + f, row + group_rows, rows));
      group_rows += rows;
    }
    std::vector<EncodedColumnChunk> chunks(plan.size());
    for (std::size_t c = 0; c < plan.size(); ++c) {
      const Dtype dtype = plan[c].descriptor.dtype;
      std::vector<ValueSegment> segments;
      ColumnStats stats;
      for (const FrameColumn& fc : data[c]) {
        segments.push_back({fc.bytes.data(), fc.rows, fc.is_scalar});
        stats.merge(fc.is_scalar ? scalar_column_stats(dtype, fc.bytes.data(), fc.rows)
                                 : compute_column_stats(dtype, fc.bytes.data(), fc.rows),
                    dtype);
      }
      if (plan[c].kind == ColumnPlan::Kind::step || plan[c].kind == ColumnPlan::Kind::time)
        encoder.encode_dictionary(plan[c].descriptor, segments.data(), segments.size(), stats, chunks[c]);
      else
        encoder.encode(plan[c].descriptor, segments.data(), segments.size(), stats, chunks[c]);
    }
    writer.append_row_group(static_cast<int64_t>(group_rows), chunks.data(), chunks.size());
    g += frames;
    row += group_rows;
  }
  writer.finish();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  try {
    const struct {
      const char* name;
      ColumnEncoding encoding;
    } encodings[] = {{"auto", ColumnEncoding::automatic},
                     {"plain", ColumnEncoding::plain},
                     {"bss", ColumnEncoding::byte_stream_split},
                     {"delta", ColumnEncoding::delta_binary_packed}};
    for (const auto& e : encodings) {
      write_file(dir + "/" + e.name + "_none.parquet", e.encoding, Codec::none, 4096);
      write_file(dir + "/" + e.name + "_zstd.parquet", e.encoding, Codec::zstd, 4096);
    }
    write_file(dir + "/auto_zstd_tiny_pages.parquet", ColumnEncoding::automatic, Codec::zstd, 64);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_fixture: %s\n", e.what());
    return 1;
  }
  return 0;
}
