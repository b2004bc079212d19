#include "core/ordered_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace simingest {
namespace {

using Json = nlohmann::ordered_json;

// nlohmann's own parser is the reference: the same tree, key order included.
TEST(OrderedJson, parses_every_value_kind_in_document_order_as_nlohmann_does) {
  const std::vector<std::string> documents = {
      R"({"z":1,"a":[true,false,null,-3,18446744073709551615,2.5e-3,"s\u00e9"],"m":{"y":{},"x":[]}})",
      R"([{"b":1,"a":2},[[[]]],"",0])",
      R"("just a string")",
      R"(  42  )",
  };
  for (const std::string& text : documents) {
    const Json ours = parse_ordered_json(text);
    EXPECT_EQ(ours, Json::parse(text)) << text;
    EXPECT_EQ(ours.dump(), Json::parse(text).dump()) << text;
  }
}

TEST(OrderedJson, a_repeated_key_is_reported_with_its_path_and_then_replaces_in_place) {
  const std::string text = R"({"a":[{"k":1},{"k":2,"b":{"q":1,"q":2},"k":3}],"b":0,"b":9})";
  std::vector<std::string> paths;
  const Json ours = parse_ordered_json(text, [&](const std::string& path) { paths.push_back(path); });
  EXPECT_EQ(paths, (std::vector<std::string>{"a[1].b.q", "a[1].k", "b"}));
  EXPECT_EQ(ours.dump(), Json::parse(text).dump());  // first position, last value
}

TEST(OrderedJson, malformed_text_throws_nlohmanns_exceptions) {
  EXPECT_THROW(parse_ordered_json(R"({"a":)"), Json::parse_error);
  EXPECT_THROW(parse_ordered_json(R"({"a" 1})"), Json::parse_error);
  EXPECT_THROW(parse_ordered_json("1e400"), Json::out_of_range);
}

TEST(OrderedJson, keys_that_are_not_names_are_quoted_in_the_path) {
  std::string path;
  parse_ordered_json(R"({"a b":{"x":1,"x":2}})", [&](const std::string& p) { path = p; });
  EXPECT_EQ(path, config_path_join(config_path_join("", "a b"), "x"));
  EXPECT_NE(path.find('"'), std::string::npos) << path;
}

TEST(OrderedJson, append_member_adds_at_the_end_without_reordering) {
  Json object = Json::object();
  append_member(object, "zeta", 1);
  append_member(object, "alpha", Json::array({1, 2}));
  EXPECT_EQ(object.dump(), R"({"zeta":1,"alpha":[1,2]})");
  EXPECT_EQ(object["alpha"][1], 2);  // lookups still work on the appended keys
}

}  // namespace
}  // namespace simingest
