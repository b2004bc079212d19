// The JSON form of a file's row-group index, the manifest member
// "rowGroupIndex" (docs/ON_DISK.md): written compactly (one line per file
// entry, however indented the rest of the manifest is) and read back
// strictly — every defect is Error(corrupt) naming its key path.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "storage/manifest.hpp"

namespace simingest::storage {

// The index as JSON: an array, one object per row group.
nlohmann::ordered_json row_group_index_json(const std::vector<RowGroupIndex>& index);

// The dtypes of a stream's declared columns, from its canonical schema text
// ({"columns": [{"name", "dtype"}, …], …}); nothing if the schema does not
// say (the index of such a stream cannot be read, and is corrupt).
std::optional<std::vector<Dtype>> declared_dtypes(const std::string& schema_text);

// Reads `value` (the member "rowGroupIndex" of `file`'s entry at `where`) and
// checks it against the entry: one element per row group, row ranges that
// tile the file, frames, steps and times inside the file's, statistics of
// each declared column (`declared`) of its dtype with min <= max, per-frame
// entries exactly when records_frames() says, inside their row group.
// Throws Error(corrupt, "<source>: corrupt manifest: <where>…: <what>").
std::vector<RowGroupIndex> parse_row_group_index(const nlohmann::ordered_json& value,
                                                 const std::optional<std::vector<Dtype>>& declared,
                                                 const ManifestFile& file, const std::string& source,
                                                 const std::string& where);

}  // namespace simingest::storage
