// The `quantize` column option (issue 16 item 4): accepted forms and the
// typed errors, each naming the key path.
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "support/config_error.hpp"

namespace simingest {
namespace {

using testing_support::config_error;

// A document whose one stream `s` has the one column `x` described by `column`.
std::string with_column(const std::string& column) {
  return R"({"streams":{"s":{"columns":{"x":)" + column + "}}}}";
}

QuantizeChoice quantize_of(const std::string& column) {
  return parse_config(with_column(column)).streams[0].columns[0].quantize;
}

TEST(QuantizeConfig, each_mode_is_read) {
  EXPECT_EQ(quantize_of(R"("float32")").mode, QuantizeChoice::Mode::none);
  const auto bits = quantize_of(R"({"dtype":"float32","quantize":{"mantissaBits":10}})");
  EXPECT_EQ(bits.mode, QuantizeChoice::Mode::mantissa_bits);
  EXPECT_EQ(bits.mantissa_bits, 10);
  EXPECT_EQ(quantize_of(R"({"dtype":"float32","quantize":{"mantissaBits":23}})").mantissa_bits, 23);
  EXPECT_EQ(quantize_of(R"({"dtype":"float64","quantize":{"mantissaBits":52}})").mantissa_bits, 52);
  const auto rel = quantize_of(R"({"dtype":"float64","quantize":{"relError":1e-5}})");
  EXPECT_EQ(rel.mode, QuantizeChoice::Mode::rel_error);
  EXPECT_EQ(rel.error, 1e-5);
  const auto abs = quantize_of(R"({"dtype":"float32","quantize":{"absError":0.25}})");
  EXPECT_EQ(abs.mode, QuantizeChoice::Mode::abs_error);
  EXPECT_EQ(abs.error, 0.25);
}

TEST(QuantizeConfig, errors_name_the_key_and_the_rule) {
  const std::string at = "streams.s.columns.x.quantize";
  EXPECT_EQ(config_error(with_column(R"({"dtype":"int32","quantize":{"mantissaBits":4}})")),
            at + ": quantize applies to float columns only, not int32");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":{"mantissaBits":24}})")),
            at + ".mantissaBits: expected an integer from 1 to 23 (the explicit mantissa bits of float32) but received 24");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float64","quantize":{"mantissaBits":0}})")),
            at + ".mantissaBits: expected an integer from 1 to 52 (the explicit mantissa bits of float64) but received 0");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float64","quantize":{"mantissaBits":2.5}})")),
            at + ".mantissaBits: expected an integer from 1 to 52 (the explicit mantissa bits of float64) but received 2.5");
  for (const char* bad : {"0", "-0.001", "\"1e-3\""})
    EXPECT_EQ(config_error(with_column(std::string(R"({"dtype":"float64","quantize":{"relError":)") + bad + "}}")),
              at + ".relError: expected a finite number > 0 but received " + bad);
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":{"absError":0}})")),
            at + ".absError: expected a finite number > 0 but received 0");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":{"sigFigs":3}})")),
            at + ".sigFigs: unknown key");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":{"relError":1e-3,"absError":1}})")),
            at + R"(: expected an object with exactly one of "mantissaBits", "relError" or "absError" but received an object)");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":{}})")),
            at + R"(: expected an object with exactly one of "mantissaBits", "relError" or "absError" but received an empty object)");
  EXPECT_EQ(config_error(with_column(R"({"dtype":"float32","quantize":"relError"})")),
            at + R"(: expected an object with exactly one of "mantissaBits", "relError" or "absError" but received "relError")");
}

}  // namespace
}  // namespace simingest
