#include "kernels/quantize.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernel_test_data.hpp"

namespace simingest::kernels {
namespace {

template <typename F>
std::vector<unsigned char> bytes_of(const std::vector<F>& values) {
  std::vector<unsigned char> bytes(values.size() * sizeof(F));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename F>
F value_at(const std::vector<unsigned char>& bytes, std::size_t i) {
  F v;
  std::memcpy(&v, bytes.data() + i * sizeof(F), sizeof v);
  return v;
}

// An independent definition of the rounding for a normal x: scale by the
// kept unit (a power of two, exact), round half to even with nearbyint, scale
// back. Values rounding past the largest finite float stay as they were.
template <typename F>
F reference_round(F x, int bits) {
  if (!std::isnormal(x)) return x;
  const int e = std::ilogb(x);
  const long double unit = std::ldexp(1.0L, e - bits);
  const long double r = std::nearbyint(static_cast<long double>(x) / unit) * unit;
  if (std::fabs(r) > std::numeric_limits<F>::max()) return x;
  return static_cast<F>(r);
}

TEST(Quantize, rounds_to_nearest_even_like_scaled_nearbyint) {
  std::mt19937_64 random(7);
  for (int bits : {0, 1, 2, 7, 10, 16, 22}) {
    std::vector<float> values(4096);
    for (auto& v : values) {
      const uint32_t b = static_cast<uint32_t>(random());  // every class: the reference keeps non-normal ones
      std::memcpy(&v, &b, sizeof v);
    }
    for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
      auto bytes = bytes_of(values);
      QuantizeError error;
      quantize_mantissa_at(level, Dtype::float32, bytes.data(), values.size(), bits, error);
      for (std::size_t i = 0; i < values.size(); ++i) {
        const float expected = reference_round(values[i], bits);
        const float got = value_at<float>(bytes, i);
        ASSERT_EQ(std::memcmp(&expected, &got, 4), 0) << "bits " << bits << " x " << values[i] << " got " << got;
      }
    }
  }
}

TEST(Quantize, float64_rounds_like_scaled_nearbyint) {
  std::mt19937_64 random(8);
  for (int bits : {0, 1, 10, 23, 40, 51}) {
    std::vector<double> values(2048);
    for (auto& v : values) v = std::ldexp(std::uniform_real_distribution<double>(-1, 1)(random),
                                          static_cast<int>(random() % 400) - 200);
    for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
      auto bytes = bytes_of(values);
      QuantizeError error;
      quantize_mantissa_at(level, Dtype::float64, bytes.data(), values.size(), bits, error);
      for (std::size_t i = 0; i < values.size(); ++i)
        ASSERT_EQ(value_at<double>(bytes, i), reference_round(values[i], bits)) << "bits " << bits;
    }
  }
}

TEST(Quantize, ties_go_to_even) {
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 (10 bits kept): even is 1.
  // 1 + 3*2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: even is 1 + 2^-9.
  std::vector<float> values = {1.0f + std::ldexp(1.0f, -11), 1.0f + 3 * std::ldexp(1.0f, -11)};
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
    auto bytes = bytes_of(values);
    QuantizeError error;
    quantize_mantissa_at(level, Dtype::float32, bytes.data(), values.size(), 10, error);
    EXPECT_EQ(value_at<float>(bytes, 0), 1.0f);
    EXPECT_EQ(value_at<float>(bytes, 1), 1.0f + std::ldexp(1.0f, -9));
  }
}

// NaN payloads, ±Inf, zeros, subnormals, ±FLT_MAX: stored bit for bit, at
// every bit count; and a carry into the next binade is exact (1.999 -> 2).
TEST(Quantize, keeps_non_finite_zero_subnormal_and_never_overflows_to_inf) {
  for (int bits = 0; bits <= 23; ++bits) {
    const auto& specials = test_data::special_float32();
    std::vector<uint32_t> raw(specials.begin(), specials.end());
    for (int k = 0; k < 3; ++k) raw.insert(raw.end(), raw.begin(), raw.end());  // past one vector
    for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
      auto bytes = bytes_of(raw);
      QuantizeError error;
      quantize_mantissa_at(level, Dtype::float32, bytes.data(), raw.size(), bits, error);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        const uint32_t got = value_at<uint32_t>(bytes, i);
        const uint32_t a = raw[i] & 0x7fffffffu;
        if (a >= 0x7f800000u || a < 0x00800000u || a == 0x7f7fffffu) {
          EXPECT_EQ(got, raw[i]) << std::hex << raw[i] << " bits " << std::dec << bits;
        }
        if (a < 0x7f800000u) {
          EXPECT_LT(got & 0x7fffffffu, 0x7f800000u) << "a finite value became Inf or NaN";
        }
      }
    }
  }
  // FLT_MAX itself, and values of the top binade whose rounding would carry
  // into the Inf exponent, stay; those that round down still round.
  for (int bits : {0, 1, 5, 22}) {
    std::vector<float> values = {FLT_MAX, -FLT_MAX, std::nextafter(FLT_MAX, 0.0f), 1.5f * std::ldexp(1.0f, 127),
                                 1.9999999f, std::ldexp(1.0f, 127)};
    auto bytes = bytes_of(values);
    QuantizeError error;
    quantize_mantissa_at(SimdLevel::avx2, Dtype::float32, bytes.data(), values.size(), bits, error);
    EXPECT_EQ(value_at<float>(bytes, 0), FLT_MAX);
    EXPECT_EQ(value_at<float>(bytes, 1), -FLT_MAX);
    EXPECT_TRUE(std::isfinite(value_at<float>(bytes, 2)));
    // Exactly representable with 1 bit; with none, rounding up would overflow.
    EXPECT_EQ(value_at<float>(bytes, 3), bits > 0 ? 1.5f * std::ldexp(1.0f, 127) : std::ldexp(1.0f, 127));
    EXPECT_EQ(value_at<float>(bytes, 4), 2.0f);                             // carry into the exponent
    EXPECT_EQ(value_at<float>(bytes, 5), std::ldexp(1.0f, 127));
    for (std::size_t i = 0; i < values.size(); ++i)
      EXPECT_LE(std::fabs(double(value_at<float>(bytes, i)) - values[i]), std::ldexp(std::fabs(double(values[i])), -(bits + 1)));
  }
  std::vector<double> doubles = {DBL_MAX, -DBL_MAX, std::nextafter(DBL_MAX, 0.0), DBL_MIN, DBL_TRUE_MIN};
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
    auto bytes = bytes_of(doubles);
    QuantizeError error;
    quantize_mantissa_at(level, Dtype::float64, bytes.data(), doubles.size(), 3, error);
    EXPECT_EQ(value_at<double>(bytes, 0), DBL_MAX);
    EXPECT_EQ(value_at<double>(bytes, 1), -DBL_MAX);
    EXPECT_EQ(value_at<double>(bytes, 2), std::nextafter(DBL_MAX, 0.0));
    EXPECT_EQ(value_at<double>(bytes, 3), DBL_MIN);
    EXPECT_EQ(value_at<double>(bytes, 4), DBL_TRUE_MIN);
    EXPECT_EQ(error.finite, 5u);
    EXPECT_EQ(error.max_abs, 0.0);
  }
}

// The AVX2 level equals the scalar twin bit for bit on random bits with a
// third special values, at every length (tails) and bit count.
TEST(Quantize, avx2_equals_scalar) {
  if (detected_simd_level() < SimdLevel::avx2) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937_64 random(11);
  for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
    const std::size_t width = dtype_size(dtype);
    for (int bits = 0; bits <= float_mantissa_bits(dtype); ++bits) {
      for (std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{9},
                                std::size_t{33}, std::size_t{1000}}) {
        const auto input = test_data::mixed_values(random, count, width, true);
        auto scalar = input, simd = input;
        QuantizeError scalar_error, simd_error;
        quantize_mantissa_at(SimdLevel::scalar, dtype, scalar.data(), count, bits, scalar_error);
        quantize_mantissa_at(SimdLevel::avx2, dtype, simd.data(), count, bits, simd_error);
        ASSERT_EQ(scalar, simd) << dtype_name(dtype) << " bits " << bits << " count " << count;
        EXPECT_EQ(scalar_error.max_abs, simd_error.max_abs);
        EXPECT_EQ(scalar_error.max_rel, simd_error.max_rel);
        EXPECT_EQ(scalar_error.finite, simd_error.finite);
        // Summed in another order: equal to rounding.
        if (std::isinf(scalar_error.sum_squares)) {  // squares of differences near DBL_MAX
          EXPECT_TRUE(std::isinf(simd_error.sum_squares));
        } else {
          EXPECT_NEAR(scalar_error.sum_squares, simd_error.sum_squares, 1e-12 * scalar_error.sum_squares);
        }
        EXPECT_EQ(max_finite_magnitude_at(SimdLevel::scalar, dtype, input.data(), count),
                  max_finite_magnitude_at(SimdLevel::avx2, dtype, input.data(), count));
      }
    }
  }
}

TEST(Quantize, error_report_matches_the_values) {
  std::mt19937_64 random(3);
  std::vector<double> values(1001);
  for (auto& v : values) v = std::normal_distribution<double>(0, 100)(random);
  values[5] = NAN;
  values[6] = INFINITY;
  for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
    auto bytes = bytes_of(values);
    QuantizeError error;
    quantize_mantissa_at(level, Dtype::float64, bytes.data(), values.size(), 12, error);
    double max_abs = 0, max_rel = 0, sum = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!std::isfinite(values[i])) continue;
      const double d = std::fabs(value_at<double>(bytes, i) - values[i]);
      max_abs = std::max(max_abs, d);
      max_rel = std::max(max_rel, d / std::fabs(values[i]));
      sum += d * d;
    }
    EXPECT_EQ(error.finite, 999u);
    EXPECT_EQ(error.max_abs, max_abs);
    EXPECT_EQ(error.max_rel, max_rel);
    EXPECT_NEAR(error.sum_squares, sum, 1e-12 * sum);
    EXPECT_LE(error.max_rel, std::ldexp(1.0, -13));
    EXPECT_GT(error.max_rel, std::ldexp(1.0, -14));  // it did round
  }
}

TEST(Quantize, derived_bits_are_the_fewest_that_keep_the_bound) {
  for (double r : {0.9, 0.5, 0.3, 0.25, 1e-3, 1e-5, 2e-7, 1e-9, 1e-20}) {
    for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
      const int n = mantissa_bits_for_rel_error(dtype, r);
      if (n < float_mantissa_bits(dtype)) {
        EXPECT_LE(std::ldexp(1.0, -(n + 1)), r) << r;
      }
      if (n > 0) {
        EXPECT_GT(std::ldexp(1.0, -n), r) << r << ": one bit fewer would do";
      }
    }
  }
  EXPECT_EQ(mantissa_bits_for_rel_error(Dtype::float32, 1e-3), 9);  // 2^-10 = 9.8e-4
  EXPECT_EQ(mantissa_bits_for_rel_error(Dtype::float32, 1e-20), 23);
  // |x| < 8 (binade 2): 2^(2-n-1) <= 0.01 needs n >= 8 (2^-7 = 0.0078).
  EXPECT_EQ(mantissa_bits_for_abs_error(Dtype::float64, 7.9, 0.01), 8);
  EXPECT_EQ(mantissa_bits_for_abs_error(Dtype::float64, 0.0, 0.01), 0);
  EXPECT_EQ(mantissa_bits_for_abs_error(Dtype::float32, 1e30, 1e-30), 23);
}

// The bound each mode promises holds for every stored value, at every level,
// on random values and a smooth field (a Taylor-Green-like vortex).
TEST(Quantize, every_mode_keeps_its_bound) {
  std::mt19937_64 random(21);
  std::vector<double> field;
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 128; ++x)
      field.push_back(std::sin(x * 0.049) * std::cos(y * 0.049) * std::exp(-0.1) * 3.7);
  std::vector<double> noisy(20000);
  for (auto& v : noisy) v = std::ldexp(std::uniform_real_distribution<double>(-1, 1)(random),
                                       static_cast<int>(random() % 60) - 30);
  std::vector<QuantizeChoice> choices;
  for (int n : {1, 10, 16}) choices.push_back({QuantizeChoice::Mode::mantissa_bits, n, 0});
  for (double r : {1e-2, 1e-3, 1e-5}) choices.push_back({QuantizeChoice::Mode::rel_error, 0, r});
  for (double e : {1e-1, 1e-4, 1e-7}) choices.push_back({QuantizeChoice::Mode::abs_error, 0, e});
  for (const auto* data : {&field, &noisy}) {
    for (Dtype dtype : {Dtype::float32, Dtype::float64}) {
      std::vector<unsigned char> input;
      if (dtype == Dtype::float32) {
        std::vector<float> f(data->begin(), data->end());
        input = bytes_of(f);
      } else {
        input = bytes_of(*data);
      }
      for (const QuantizeChoice& choice : choices) {
        for (SimdLevel level : {SimdLevel::scalar, SimdLevel::avx2}) {
          auto out = input;
          QuantizeError error;
          quantize_values_at(level, dtype, out.data(), data->size(), choice, 1000, error);
          for (std::size_t i = 0; i < data->size(); ++i) {
            const double x = dtype == Dtype::float32 ? value_at<float>(input, i) : value_at<double>(input, i);
            const double q = dtype == Dtype::float32 ? value_at<float>(out, i) : value_at<double>(out, i);
            const double d = std::fabs(q - x);
            switch (choice.mode) {
              case QuantizeChoice::Mode::mantissa_bits:
                ASSERT_LE(d, std::ldexp(std::fabs(x), -(choice.mantissa_bits + 1))); break;
              case QuantizeChoice::Mode::rel_error: ASSERT_LE(d, choice.error * std::fabs(x)); break;
              case QuantizeChoice::Mode::abs_error: ASSERT_LE(d, choice.error); break;
              case QuantizeChoice::Mode::none: break;
            }
          }
          // It rounded something, unless absError asks for more bits than
          // the dtype has (float32 values near 2^29 to within 1e-4).
          if (choice.mode != QuantizeChoice::Mode::abs_error || (data == &field && dtype == Dtype::float64)) {
            EXPECT_GT(error.max_abs, 0.0);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace simingest::kernels
