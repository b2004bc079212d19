// The shape a dataset directory must have before simingest touches it
// (docs/adr/0011-no-symlinks-inside-a-dataset.md, docs/RELIABILITY.md
// "Dataset layout").
//
// The dataset path itself may be a symbolic link: open resolves it once.
// Every part inside it that simingest creates or reads — _simingest/ and
// what it holds, <stream>/, part=N/, in-progress files and journals — must be
// the real thing, because commit, quarantine and retirement are rename()s
// that only work inside one file system, and a followed link would let a
// writer write outside the dataset. A part that is a symbolic link (or not a
// directory where one belongs) is refused with Error(unsafe_layout) naming it,
// before recovery changes anything.
//
// Names simingest did not make are never touched: recovery lists the ones
// that look like its own but do not fit its naming grammar (or are not valid
// UTF-8) in recovery().ignored, escaped, and leaves them where they are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simingest::storage {

enum class EntryKind { missing, regular, directory, symlink, other };

// What is at `path`, not following a final symbolic link. Throws Error(io)
// when lstat fails for another reason than "does not exist".
EntryKind entry_kind(const std::string& path);

// "a symbolic link", "a directory", "a FIFO", … for messages.
std::string describe_entry(const std::string& path);

// The Error(unsafe_layout) for `path`, which is `what` ("a symbolic link").
[[noreturn]] void refuse_layout(const std::string& path, const std::string& what);

// Creates the directory `path` (root + "/…") and its missing parents below
// `root`, each with mkdir and made durable by fsyncing its parent. `root`
// must exist. A component that is a symbolic link or not a directory throws
// Error(unsafe_layout) naming it: nothing is created through a link.
void make_directories_inside(const std::string& root, const std::string& path);

// The dataset's own names (docs/ON_DISK.md).
inline constexpr const char* kInProgressPrefix = ".part-";
// The hidden name a file has while it is written: same directory, leading
// '.', a suffix no `*.parquet` glob matches.
std::string inprogress_path_for(const std::string& final_path);
// ".part-….parquet.inprogress" → "part-….parquet".
std::string final_name_of_inprogress(const std::string& name);
bool is_inprogress_name(std::string_view name);  // .part-<id>.parquet.inprogress
bool is_journal_name(std::string_view name);     // the same + ".journal"
// "part-<seq>-<8 hex writer id>.parquet" as begin_file names committed files:
// recovery only ever adopts or deletes a visible file of that form.
bool is_committed_file_name(std::string_view name);
std::optional<int64_t> partition_of(std::string_view directory_name);  // "part=<n>"

// `bytes` with every byte that is not part of valid UTF-8, every control
// byte and '\' written as \xNN (\\ for '\'): safe for JSON and messages, and
// different names stay different.
std::string escape_name(std::string_view bytes);

// Names in the directory `path` (not "." and ".."), unsorted.
std::vector<std::string> directory_names(const std::string& path);

// Refuses, with Error(unsafe_layout) naming every offending path, a dataset
// at `root` whose _simingest/ subdirectories, stream directories (a name in
// `streams`, or any symbolic link to a directory), partition directories,
// in-progress files or journals are symbolic links or of the wrong type.
// Reads only. `root` and root/_simingest are real directories already.
void check_dataset_layout(const std::string& root, const std::vector<std::string>& streams);

}  // namespace simingest::storage
