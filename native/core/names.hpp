// The naming rule for streams and columns: [A-Za-z_][A-Za-z0-9_]{0,63}.
// It keeps every name a plain path component, so no name can reach outside the
// dataset directory, and a valid identifier in SQL, Python and TypeScript.
#pragma once

#include <string>
#include <string_view>

namespace simingest {

constexpr std::size_t kMaxNameLength = 64;

bool is_valid_name(std::string_view name) noexcept;

// `step` and `time` are the columns every stream has.
bool is_reserved_column_name(std::string_view name) noexcept;

// A name quoted for an error message, with control and non-ASCII bytes
// escaped and long names cut, so hostile input cannot corrupt a log line.
std::string quote_name(std::string_view name);

}  // namespace simingest
