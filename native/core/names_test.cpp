#include "core/names.hpp"

#include <gtest/gtest.h>

#include <string>

namespace simingest {
namespace {

using namespace std::string_literals;

TEST(Names, accepts_letters_digits_and_underscores) {
  EXPECT_TRUE(is_valid_name("vx"));
  EXPECT_TRUE(is_valid_name("_"));
  EXPECT_TRUE(is_valid_name("_private9"));
  EXPECT_TRUE(is_valid_name("Pressure_2D"));
}

TEST(Names, rejects_empty_name) { EXPECT_FALSE(is_valid_name("")); }

TEST(Names, rejects_leading_digit) { EXPECT_FALSE(is_valid_name("9lives")); }

TEST(Names, rejects_path_and_punctuation_characters) {
  for (const char* name : {"a-b", "a b", "a.b", "..", "../etc", "a/b", "a\\b", "part=0", "a$"})
    EXPECT_FALSE(is_valid_name(name)) << name;
}

TEST(Names, rejects_non_ascii_and_embedded_nul) {
  EXPECT_FALSE(is_valid_name("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_name(std::string_view("a\0b", 3)));
}

TEST(Names, accepts_64_characters_and_rejects_65) {
  EXPECT_TRUE(is_valid_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
}

TEST(Names, reserves_exactly_step_and_time) {
  EXPECT_TRUE(is_reserved_column_name("step"));
  EXPECT_TRUE(is_reserved_column_name("time"));
  EXPECT_FALSE(is_reserved_column_name("Step"));
  EXPECT_FALSE(is_reserved_column_name("steps"));
  EXPECT_FALSE(is_reserved_column_name("timestamp"));
}

TEST(Names, quotes_plain_name_in_double_quotes) { EXPECT_EQ(quote_name("vx"), "\"vx\""); }

TEST(Names, quote_escapes_control_bytes_including_nul) {
  EXPECT_EQ(quote_name(std::string_view("a\0b", 3)), R"("a\x00b")");
  EXPECT_EQ(quote_name("line\nbreak\x1b[2J"), R"("line\x0abreak\x1b[2J")");
  EXPECT_EQ(quote_name("\x7f"), R"("\x7f")");
}

TEST(Names, quote_escapes_non_ascii_bytes_one_by_one) {
  EXPECT_EQ(quote_name("caf\xc3\xa9"), R"("caf\xc3\xa9")");
}

TEST(Names, quote_escapes_quote_and_backslash) {
  EXPECT_EQ(quote_name(R"(a"b\c)"), R"("a\"b\\c")");
}

TEST(Names, quote_keeps_80_bytes_whole) {
  const std::string name(80, 'x');
  EXPECT_EQ(quote_name(name), "\"" + name + "\"");
}

TEST(Names, quote_cuts_longer_names_with_ellipsis) {
  const std::string name(1000, 'x');
  EXPECT_EQ(quote_name(name), "\"" + std::string(80, 'x') + "\xe2\x80\xa6\"");
}

TEST(Names, quote_cuts_before_escaping_so_no_escape_is_split) {
  const std::string name = std::string(79, 'x') + "\n" + std::string(10, 'y');
  EXPECT_EQ(quote_name(name), "\"" + std::string(79, 'x') + "\\x0a\xe2\x80\xa6\"");
}

}  // namespace
}  // namespace simingest
