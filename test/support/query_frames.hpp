// Test-only: a dataset written through the C ABI whose every frame is kept
// (as the bytes of each column, one value per row, scalars broadcast), a
// consumer of Arrow C streams that collects what a query returned, and the
// expected result computed from the kept frames with the selection rule
// written out again here (not query::ResolvedQuery's).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simingest.h"
#include "support/scratch_directory.hpp"

namespace simingest::query::testing {

// Grid stream "fields" (4x8, partitioned every 10 steps, `level` ingested as
// a scalar) and table stream "table" of every dtype (rows vary by step, some
// frames empty). Small row groups and files: many of each.
inline constexpr const char* kConfig = R"({
  "streams": {
    "fields": {"columns": {"vx": "float32", "vy": "float64", "level": "int16"}, "grid": [4, 8],
               "partition": {"steps": 10}},
    "table": {"columns": {"a": "int8", "b": "uint16", "c": "uint32", "d": "int64", "e": "uint64",
                          "f": "float32", "g": "int32", "h": "uint8", "i": "int16", "j": "float64"}}
  },
  "rowGroupBytes": 4096,
  "fileBytes": 1048576,
  "workers": 2
})";

inline constexpr std::size_t kGridCells = 32;

struct ColumnInfo {
  std::string name;
  simingest_dtype dtype;
  std::size_t size;
};

inline std::vector<ColumnInfo> declared_columns(const std::string& stream) {
  if (stream == "fields") return {{"vx", SIMINGEST_FLOAT32, 4}, {"vy", SIMINGEST_FLOAT64, 8}, {"level", SIMINGEST_INT16, 2}};
  return {{"a", SIMINGEST_INT8, 1},    {"b", SIMINGEST_UINT16, 2}, {"c", SIMINGEST_UINT32, 4}, {"d", SIMINGEST_INT64, 8},
          {"e", SIMINGEST_UINT64, 8},  {"f", SIMINGEST_FLOAT32, 4}, {"g", SIMINGEST_INT32, 4}, {"h", SIMINGEST_UINT8, 1},
          {"i", SIMINGEST_INT16, 2},   {"j", SIMINGEST_FLOAT64, 8}};
}

// One ingested frame: per column its bytes, one value per row.
struct KeptFrame {
  int64_t step = 0;
  double time = 0;
  uint64_t rows = 0;
  std::map<std::string, std::vector<uint8_t>> columns;
};

inline uint64_t table_rows(int64_t step) { return step % 6 == 5 ? 0 : static_cast<uint64_t>(3 + (step * 7) % 23); }

// Deterministic bytes covering every bit pattern over many rows (NaNs too).
inline std::vector<uint8_t> pattern(int64_t step, std::size_t column, uint64_t rows, std::size_t size) {
  std::vector<uint8_t> out(rows * size);
  uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(step + 1) + 0x632BE59BD9B4E019ull * (column + 1);
  for (auto& byte : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    byte = static_cast<uint8_t>(x);
  }
  return out;
}

// Ingests `steps` frames of each stream (from `first`), keeping them.
inline void ingest_frames(simingest_ingestor* ingestor, int64_t first, int64_t steps,
                          std::map<std::string, std::vector<KeptFrame>>& kept) {
  for (int64_t step = first; step < first + steps; ++step) {
    const double time = 0.5 * static_cast<double>(step);
    for (const std::string stream : {"fields", "table"}) {
      const auto columns = declared_columns(stream);
      KeptFrame frame;
      frame.step = step;
      frame.time = time;
      frame.rows = stream == "fields" ? kGridCells : table_rows(step);
      std::vector<simingest_column> given;
      std::vector<std::vector<uint8_t>> data;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const bool scalar = stream == "fields" && columns[c].name == "level";
        data.push_back(pattern(step, c, scalar ? 1 : frame.rows, columns[c].size));
        std::vector<uint8_t> rows = data.back();
        if (scalar) {  // recorded for every row
          rows.clear();
          for (uint64_t r = 0; r < frame.rows; ++r) rows.insert(rows.end(), data.back().begin(), data.back().end());
        }
        frame.columns[columns[c].name] = std::move(rows);
        given.push_back({columns[c].name.c_str(), columns[c].dtype, data.back().data(),
                         scalar ? SIMINGEST_SCALAR : static_cast<size_t>(frame.rows)});
      }
      ASSERT_EQ(simingest_ingest(ingestor, stream.c_str(), step, time, given.data(), given.size()), SIMINGEST_OK)
          << simingest_last_error(ingestor);
      kept[stream].push_back(std::move(frame));
    }
    if (step % 13 == 12) {
      ASSERT_EQ(simingest_flush(ingestor), SIMINGEST_OK) << simingest_last_error(ingestor);
    }
  }
}

// What a query returned: its schema (format and name per child), each
// batch's row count, and per column the bytes of every row.
struct Collected {
  std::vector<std::pair<std::string, std::string>> schema;  // (format, name)
  std::vector<uint64_t> batch_rows;
  std::vector<std::vector<uint8_t>> columns;  // in schema order
  int error = 0;                              // get_next's errno, if it failed
  std::string message;
};

inline std::size_t format_size(const std::string& format) {
  if (format == "c" || format == "C") return 1;
  if (format == "s" || format == "S") return 2;
  if (format == "f" || format == "i" || format == "I") return 4;
  return 8;
}

// Reads `stream` to its end (or failure) and releases it.
inline Collected collect(ArrowArrayStream& stream) {
  Collected out;
  ArrowSchema schema{};
  EXPECT_EQ(stream.get_schema(&stream, &schema), 0);
  EXPECT_STREQ(schema.format, "+s");
  for (int64_t i = 0; i < schema.n_children; ++i)
    out.schema.emplace_back(schema.children[i]->format, schema.children[i]->name);
  schema.release(&schema);
  EXPECT_EQ(schema.release, nullptr);
  out.columns.resize(out.schema.size());
  for (;;) {
    ArrowArray batch{};
    const int rc = stream.get_next(&stream, &batch);
    if (rc != 0) {
      out.error = rc;
      const char* message = stream.get_last_error(&stream);
      out.message = message ? message : "";
      break;
    }
    if (batch.release == nullptr) break;
    EXPECT_EQ(batch.n_children, static_cast<int64_t>(out.schema.size()));
    EXPECT_EQ(batch.null_count, 0);
    out.batch_rows.push_back(static_cast<uint64_t>(batch.length));
    for (int64_t c = 0; c < batch.n_children; ++c) {
      const ArrowArray* child = batch.children[c];
      EXPECT_EQ(child->length, batch.length);
      EXPECT_EQ(child->n_buffers, 2);
      EXPECT_EQ(child->buffers[0], nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(child->buffers[1]) % 64, 0u);
      const auto* bytes = static_cast<const uint8_t*>(child->buffers[1]);
      const std::size_t size = format_size(out.schema[static_cast<std::size_t>(c)].first);
      out.columns[static_cast<std::size_t>(c)].insert(out.columns[static_cast<std::size_t>(c)].end(), bytes,
                                                      bytes + static_cast<std::size_t>(child->length) * size);
    }
    batch.release(&batch);
    EXPECT_EQ(batch.release, nullptr);
  }
  stream.release(&stream);
  EXPECT_EQ(stream.release, nullptr);
  return out;
}

// The selection, written out from simingest.h's words.
struct Selection {
  std::optional<std::pair<int64_t, int64_t>> steps;
  std::optional<std::pair<double, double>> time;
  int64_t every = 1;
  bool selects(int64_t step, double t) const {
    if (steps && (step < steps->first || step > steps->second)) return false;
    if (time && (t < time->first || t > time->second)) return false;
    const int64_t anchor = steps ? steps->first : 0;
    return (step - anchor) % every == 0;
  }
};

// The expected result: step, time, then `columns`, over the kept frames.
inline std::vector<std::vector<uint8_t>> expected(const std::vector<KeptFrame>& frames, const Selection& selection,
                                                  const std::vector<std::string>& columns,
                                                  std::vector<uint64_t>* frame_rows = nullptr) {
  std::vector<std::vector<uint8_t>> out(columns.size() + 2);
  for (const KeptFrame& frame : frames) {
    if (!selection.selects(frame.step, frame.time)) continue;
    if (frame_rows && frame.rows > 0) frame_rows->push_back(frame.rows);
    for (uint64_t r = 0; r < frame.rows; ++r) {
      const auto* step = reinterpret_cast<const uint8_t*>(&frame.step);
      const auto* time = reinterpret_cast<const uint8_t*>(&frame.time);
      out[0].insert(out[0].end(), step, step + 8);
      out[1].insert(out[1].end(), time, time + 8);
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::vector<uint8_t>& bytes = frame.columns.at(columns[c]);
      out[c + 2].insert(out[c + 2].end(), bytes.begin(), bytes.end());
    }
  }
  return out;
}

}  // namespace simingest::query::testing
