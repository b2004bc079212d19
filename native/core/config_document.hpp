// The configuration document as JSON: parsed in one pass into an
// insertion-ordered tree (streams and columns keep the order the document
// lists them, which is the column order of the Parquet files), with duplicate
// keys rejected by path, and the helpers that name a place in the document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/ordered_json.hpp"  // config_path_join

namespace simingest {

// Control and non-ASCII bytes as \xHH, so a message quoting the document
// stays one printable line.
std::string escape_message(std::string_view text);

// Throws Error(config): over a limit of config_limits.hpp (checked before any
// tree is built), malformed JSON ("config: malformed JSON: byte N (line L,
// column C): <reason>"), or a duplicate key ("<path>: duplicate key").
// Linear in the document's size (parse_ordered_json).
nlohmann::ordered_json parse_config_document(std::string_view text);

}  // namespace simingest
