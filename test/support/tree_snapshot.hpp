// Test-only: everything under a directory — each entry's type, and a regular
// file's bytes or a link's target — so a test can prove that an operation
// changed nothing. Links are recorded, never followed; `also` names further
// directories (a link's target outside the tree) to record the same way.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "support/scratch_directory.hpp"

namespace simingest::testing_support {

using TreeSnapshot = std::map<std::string, std::string>;  // path → what is there

inline void snapshot_into(const std::string& top, TreeSnapshot& out) {
  namespace fs = std::filesystem;
  out[top] = "directory";
  for (auto it = fs::recursive_directory_iterator(top); it != fs::recursive_directory_iterator(); ++it) {
    const fs::file_status status = it->symlink_status();
    const std::string path = it->path().string();
    if (fs::is_symlink(status)) out[path] = "link to " + fs::read_symlink(it->path()).string();
    else if (fs::is_regular_file(status)) out[path] = "file: " + read_text_file(path);
    else if (fs::is_directory(status)) out[path] = "directory";
    else out[path] = "other";
  }
}

inline TreeSnapshot snapshot_tree(const std::string& top, const std::vector<std::string>& also = {}) {
  TreeSnapshot out;
  snapshot_into(top, out);
  for (const std::string& more : also) snapshot_into(more, out);
  return out;
}

// The first difference between two snapshots, or "" if they are equal.
inline std::string first_difference(const TreeSnapshot& before, const TreeSnapshot& after) {
  for (const auto& [path, what] : before) {
    auto it = after.find(path);
    if (it == after.end()) return path + ": gone";
    if (it->second != what) return path + ": changed";
  }
  for (const auto& [path, what] : after)
    if (!before.count(path)) return path + ": new";
  return "";
}

}  // namespace simingest::testing_support
