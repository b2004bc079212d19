// nlohmann::ordered_json in linear time. Its own parser inserts every key with
// the ordered map's operator[], a linear search of the object, and so does
// `object[key] = value`: an object of n keys costs O(n^2) (10 000 streams, the
// limit, took 19-26 s to parse at -O0 and minutes under TSan, and every
// manifest of such a dataset was as slow to write and read).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace simingest {

// Parses like nlohmann::ordered_json::parse, with its exceptions (parse_error,
// out_of_range), in time linear in the text. A repeated key calls
// `on_duplicate` with its path ("a.b[2].c", see config_path_join) before
// anything of it is stored; if that returns, the later value replaces the
// earlier in place, as ordered_json::parse does.
nlohmann::ordered_json parse_ordered_json(std::string_view text,
                                          const std::function<void(const std::string& path)>& on_duplicate = {});

// Appends `key: value` to `object`, which must not hold `key` yet (keys taken
// from a map or set), without the search of operator[].
void append_member(nlohmann::ordered_json& object, std::string key, nlohmann::ordered_json value);

// `path.key`, with `key` quoted and escaped unless it is a valid name (keys
// are arbitrary user text), or `key` alone at the root.
std::string config_path_join(const std::string& path, std::string_view key);

}  // namespace simingest
