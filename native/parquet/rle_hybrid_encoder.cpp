#include "parquet/rle_hybrid_encoder.hpp"

#include <limits>

#include "parquet/thrift_compact.hpp"

namespace simingest::parquet {

void RleHybridEncoder::reset(int bit_width, std::vector<uint8_t>* out) noexcept {
  bit_width_ = bit_width;
  out_ = out;
  pending_count_ = 0;
  nliterals_ = 0;
}

void RleHybridEncoder::put(uint32_t value, std::size_t count) {
  if (count == 0) return;
  if (pending_count_ > 0 && value == pending_value_) {
    pending_count_ += count;
    return;
  }
  flush_pending();
  pending_value_ = value;
  pending_count_ = count;
}

void RleHybridEncoder::flush_pending() {
  std::size_t count = pending_count_;
  pending_count_ = 0;
  const uint32_t value = pending_value_;
  // Complete a partly filled bit-packed group first: groups are all-or-nothing.
  while (count > 0 && nliterals_ % 8 != 0) {
    literals_[nliterals_++] = value;
    --count;
  }
  if (count >= kMinRleRun) {
    flush_literals();
    emit_rle(value, count);
    return;
  }
  while (count > 0) {
    if (nliterals_ == kMaxLiterals) flush_literals();
    literals_[nliterals_++] = value;
    --count;
  }
}

void RleHybridEncoder::emit_rle(uint32_t value, std::size_t count) {
  // Encodings.md caps a run at 2^31 - 1 values.
  constexpr std::size_t kMaxRun = std::numeric_limits<int32_t>::max();
  const int value_bytes = (bit_width_ + 7) / 8;
  while (count > 0) {
    const std::size_t n = count < kMaxRun ? count : kMaxRun;
    thrift::append_varint(*out_, static_cast<uint64_t>(n) << 1);
    for (int b = 0; b < value_bytes; ++b) out_->push_back(static_cast<uint8_t>(value >> (8 * b)));
    count -= n;
  }
}

void RleHybridEncoder::flush_literals() {
  if (nliterals_ == 0) return;
  while (nliterals_ % 8 != 0) literals_[nliterals_++] = 0;
  const std::size_t groups = nliterals_ / 8;
  thrift::append_varint(*out_, (static_cast<uint64_t>(groups) << 1) | 1);
  // LSB first: value i occupies bits [i*w, (i+1)*w) of the little-endian run.
  const std::size_t nbytes = groups * static_cast<std::size_t>(bit_width_);
  const std::size_t at = out_->size();
  out_->resize(at + nbytes, 0);
  uint8_t* dst = out_->data() + at;
  uint64_t acc = 0;
  int acc_bits = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < nliterals_; ++i) {
    acc |= static_cast<uint64_t>(literals_[i]) << acc_bits;
    acc_bits += bit_width_;
    while (acc_bits >= 8) {
      dst[pos++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      acc_bits -= 8;
    }
  }
  nliterals_ = 0;
}

void RleHybridEncoder::finish() {
  flush_pending();
  flush_literals();
}

}  // namespace simingest::parquet
