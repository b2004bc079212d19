#include "pipeline/frame_quantize.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "kernels/quantize.hpp"

namespace simingest::pipeline {

namespace {

const char* mode_name(QuantizeChoice::Mode mode) noexcept {
  switch (mode) {
    case QuantizeChoice::Mode::mantissa_bits: return "mantissaBits";
    case QuantizeChoice::Mode::rel_error: return "relError";
    case QuantizeChoice::Mode::abs_error: return "absError";
    case QuantizeChoice::Mode::none: break;
  }
  return "none";
}

}  // namespace

void quantize_frame_column(FrameColumn& column, uint64_t rows, const ColumnConfig& config, uint64_t page_bytes,
                           QuantizeErrorTotals& totals) {
  if (config.quantize.mode == QuantizeChoice::Mode::none || rows == 0) return;
  // The frame's buffer is the engine's: writing through data is ours to do.
  auto* values = const_cast<unsigned char*>(column.data);
  kernels::QuantizeError error;
  kernels::quantize_values(config.dtype, values, column.is_scalar ? 1 : rows, config.quantize,
                           quantize_block_values(config.dtype, page_bytes), error);
  if (column.is_scalar) {  // one value standing for every row
    error.sum_squares *= static_cast<double>(rows);
    error.finite *= rows;
  }
  totals.add({error.max_abs, error.max_rel, error.sum_squares, error.finite});
}

std::size_t quantize_block_values(Dtype dtype, uint64_t page_bytes) noexcept {
  return std::max<std::size_t>(static_cast<std::size_t>(page_bytes / dtype_size(dtype)), 1);
}

std::optional<std::string> quantize_metadata_json(const StreamConfig& stream, uint64_t page_bytes) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const ColumnConfig& column : stream.columns) {
    const QuantizeChoice& q = column.quantize;
    if (q.mode == QuantizeChoice::Mode::none) continue;
    nlohmann::ordered_json j;
    j["mode"] = mode_name(q.mode);
    j["rounding"] = "nearestEven";
    switch (q.mode) {
      case QuantizeChoice::Mode::mantissa_bits:
      case QuantizeChoice::Mode::rel_error: {
        const int bits = q.mode == QuantizeChoice::Mode::rel_error
                             ? kernels::mantissa_bits_for_rel_error(column.dtype, q.error)
                             : q.mantissa_bits;
        if (q.mode == QuantizeChoice::Mode::rel_error) j["relError"] = q.error;
        j["mantissaBits"] = bits;
        // What every stored value meets: |x' - x| <= maxRelError * |x|.
        j["maxRelError"] = std::ldexp(1.0, -(bits + 1));
        break;
      }
      case QuantizeChoice::Mode::abs_error:
        j["absError"] = q.error;
        j["maxAbsError"] = q.error;
        j["blockValues"] = quantize_block_values(column.dtype, page_bytes);
        break;
      case QuantizeChoice::Mode::none: break;
    }
    out[column.name] = j;
  }
  if (out.empty()) return std::nullopt;
  return out.dump();
}

std::optional<nlohmann::ordered_json> quantize_stats_json(const StreamConfig& stream,
                                                          const QuantizeErrorTotals* totals) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < stream.columns.size(); ++i) {
    const ColumnConfig& column = stream.columns[i];
    if (column.quantize.mode == QuantizeChoice::Mode::none) continue;
    const QuantizeErrorSnapshot s = totals[i].get();
    nlohmann::ordered_json j;
    j["mode"] = mode_name(column.quantize.mode);
    j["values"] = s.finite;
    j["maxAbsError"] = s.max_abs;
    j["maxRelError"] = s.max_rel;
    j["rmsError"] = s.finite ? std::sqrt(s.sum_squares / static_cast<double>(s.finite)) : 0.0;
    out[column.name] = j;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace simingest::pipeline
