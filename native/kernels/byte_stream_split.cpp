#include "kernels/byte_stream_split.hpp"

#include <cstring>

#include "kernels/x86_kernels.hpp"

namespace simingest::kernels {

namespace {

// Fixed width lets the compiler keep the K output pointers in registers and
// unroll the byte loop.
template <std::size_t W>
void scatter_fixed(const uint8_t* values, std::size_t count, uint8_t* streams,
                   std::size_t stream_length, std::size_t first) noexcept {
  uint8_t* out[W];
  for (std::size_t k = 0; k < W; ++k) out[k] = streams + k * stream_length + first;
  for (std::size_t i = 0; i < count; ++i) {
    const uint8_t* v = values + i * W;
    for (std::size_t k = 0; k < W; ++k) out[k][i] = v[k];
  }
}

}  // namespace

void byte_stream_split_scatter_at(SimdLevel level, const uint8_t* values, std::size_t count, std::size_t width,
                                  uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  if (count == 0) return;
#if SIMINGEST_KERNELS_X86
  if (width == 4 || width == 8) {
    switch (supported_simd_level(level)) {
      case SimdLevel::avx2: return avx2::byte_stream_split_scatter(values, count, width, streams, stream_length, first);
      case SimdLevel::sse: return sse::byte_stream_split_scatter(values, count, width, streams, stream_length, first);
      case SimdLevel::scalar: break;
    }
  }
#else
  (void)level;
#endif
  // The scalar twin.
  switch (width) {
    case 4: scatter_fixed<4>(values, count, streams, stream_length, first); return;
    case 8: scatter_fixed<8>(values, count, streams, stream_length, first); return;
    default:
      for (std::size_t i = 0; i < count; ++i)
        for (std::size_t k = 0; k < width; ++k)
          streams[k * stream_length + first + i] = values[i * width + k];
  }
}

void byte_stream_split_scatter(const uint8_t* values, std::size_t count, std::size_t width,
                               uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  byte_stream_split_scatter_at(active_simd_level(), values, count, width, streams, stream_length, first);
}

void byte_stream_split_fill(const uint8_t* value, std::size_t count, std::size_t width,
                            uint8_t* streams, std::size_t stream_length, std::size_t first) noexcept {
  for (std::size_t k = 0; k < width; ++k) std::memset(streams + k * stream_length + first, value[k], count);
}

void byte_stream_split_gather(const uint8_t* streams, std::size_t count, std::size_t width,
                              uint8_t* values) noexcept {
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t k = 0; k < width; ++k) values[i * width + k] = streams[k * count + i];
}

}  // namespace simingest::kernels
