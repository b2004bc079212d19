#include "storage/layout.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "core/names.hpp"
#include "core/status.hpp"
#include "storage/durable_io.hpp"
#include "storage/file_ops.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kAdr = "docs/adr/0011-no-symlinks-inside-a-dataset.md";
constexpr std::string_view kInProgressSuffix = ".parquet.inprogress";
constexpr std::string_view kJournalSuffix = ".journal";
constexpr std::size_t kMostNamed = 10;  // offending paths named in one message

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

// Length of the valid UTF-8 sequence at text[i], or 0 (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length;
  unsigned char low = 0x80, high = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 == 0xe0) low = 0xa0;
    if (b0 == 0xed) high = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 == 0xf0) low = 0x90;
    if (b0 == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return length;
}

std::string kind_text(EntryKind kind, const std::string& path) {
  switch (kind) {
    case EntryKind::missing: return "missing";
    case EntryKind::regular: return "a regular file";
    case EntryKind::directory: return "a directory";
    case EntryKind::symlink: return "a symbolic link";
    case EntryKind::other: break;
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISFIFO(st.st_mode)) return "a FIFO";
    if (S_ISSOCK(st.st_mode)) return "a socket";
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
  }
  return "not a regular file";
}

// Collects the offending paths of one check and throws them all at once.
class Refusals {
 public:
  void add(const std::string& path, const std::string& what) {
    ++count_;
    if (count_ <= kMostNamed) found_.push_back(escape_name(path) + " is " + what);
  }
  void throw_if_any() const {
    if (count_ == 0) return;
    std::string message = "unsafe dataset layout, nothing was changed: ";
    for (std::size_t i = 0; i < found_.size(); ++i) message += (i ? "; " : "") + found_[i];
    if (count_ > found_.size()) message += "; and " + std::to_string(count_ - found_.size()) + " more";
    message += std::string(". simingest refuses symbolic links and foreign file types inside a dataset (") + kAdr +
               "); replace each with the real directory or file and open again";
    throw Error(Status::unsafe_layout, message);
  }

 private:
  std::size_t count_ = 0;
  std::vector<std::string> found_;
};

void check_directory_entry(const std::string& path, Refusals& refusals) {
  const EntryKind kind = entry_kind(path);
  if (kind != EntryKind::missing && kind != EntryKind::directory)
    refusals.add(path, kind_text(kind, path) + ", not a directory");
}

bool points_to_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void check_partition(const std::string& directory, Refusals& refusals) {
  for (const std::string& name : directory_names(directory)) {
    if (!is_inprogress_name(name) && !is_journal_name(name)) continue;
    const std::string path = directory + "/" + name;
    const EntryKind kind = entry_kind(path);
    if (kind != EntryKind::regular && kind != EntryKind::missing)
      refusals.add(path, kind_text(kind, path) + ", not a regular file");
  }
}

void check_stream(const std::string& directory, Refusals& refusals) {
  for (const std::string& name : directory_names(directory)) {
    if (!partition_of(name)) continue;
    const std::string path = directory + "/" + name;
    const EntryKind kind = entry_kind(path);
    if (kind == EntryKind::directory) check_partition(path, refusals);
    else if (kind != EntryKind::missing) refusals.add(path, kind_text(kind, path) + ", not a directory");
  }
}

}  // namespace

EntryKind entry_kind(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return EntryKind::missing;
    throw io_error("stat " + path, errno);
  }
  if (S_ISREG(st.st_mode)) return EntryKind::regular;
  if (S_ISDIR(st.st_mode)) return EntryKind::directory;
  if (S_ISLNK(st.st_mode)) return EntryKind::symlink;
  return EntryKind::other;
}

std::string describe_entry(const std::string& path) { return kind_text(entry_kind(path), path); }

void refuse_layout(const std::string& path, const std::string& what) {
  Refusals refusals;
  refusals.add(path, what);
  refusals.throw_if_any();
  std::abort();  // unreachable: one refusal always throws
}

void make_directories_inside(const std::string& root, const std::string& path) {
  if (path.compare(0, root.size() + 1, root + "/") != 0)
    throw Error(Status::internal, path + " is not inside the dataset " + root);
  std::size_t end = root.size();
  while (end < path.size()) {
    std::size_t next = path.find('/', end + 1);
    if (next == std::string::npos) next = path.size();
    const std::string component = path.substr(0, next);
    const std::string parent = path.substr(0, end);
    end = next;
    EntryKind kind = entry_kind(component);
    if (kind == EntryKind::missing) {
      if (file_ops().mkdir(component.c_str(), 0755) == 0) {
        fsync_directory(parent);
        continue;
      }
      const int error = errno;
      // Another process creating the same layout may have won the race.
      if (error != EEXIST) throw io_error("create directory " + component, error);
      kind = entry_kind(component);
    }
    if (kind != EntryKind::directory) refuse_layout(component, kind_text(kind, component) + ", not a directory");
  }
}

std::string inprogress_path_for(const std::string& final_path) {
  return parent_directory(final_path) + "/." + final_path.substr(final_path.rfind('/') + 1) + ".inprogress";
}

std::string final_name_of_inprogress(const std::string& name) {
  return name.substr(1, name.size() - 1 - std::char_traits<char>::length(".inprogress"));
}

bool is_inprogress_name(std::string_view name) {
  constexpr std::string_view prefix = kInProgressPrefix;
  if (name.size() <= prefix.size() + kInProgressSuffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix || !ends_with(name, kInProgressSuffix)) return false;
  const std::string_view id = name.substr(prefix.size(), name.size() - prefix.size() - kInProgressSuffix.size());
  for (char c : id)
    if (!is_id_char(c)) return false;
  return true;
}

bool is_journal_name(std::string_view name) {
  return ends_with(name, kJournalSuffix) && is_inprogress_name(name.substr(0, name.size() - kJournalSuffix.size()));
}

bool is_committed_file_name(std::string_view name) {
  constexpr std::string_view prefix = "part-", suffix = ".parquet";
  if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      !ends_with(name, suffix))
    return false;
  const std::string_view middle = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  const std::size_t dash = middle.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  const std::string_view seq = middle.substr(0, dash), writer = middle.substr(dash + 1);
  if (seq.size() < 8 || seq.find_first_not_of("0123456789") != std::string_view::npos || writer.size() != 8)
    return false;
  return writer.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<int64_t> partition_of(std::string_view name) {
  constexpr std::string_view prefix = "part=";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string digits(name.substr(prefix.size()));
  const std::size_t first = !digits.empty() && digits[0] == '-' ? 1 : 0;
  if (digits.size() == first || digits.size() > 20) return std::nullopt;
  for (std::size_t i = first; i < digits.size(); ++i)
    if (digits[i] < '0' || digits[i] > '9') return std::nullopt;
  errno = 0;
  char* stop = nullptr;
  const long long value = std::strtoll(digits.c_str(), &stop, 10);
  if (errno != 0 || *stop != '\0') return std::nullopt;
  // Only the spelling simingest writes (std::to_string): no "+", no leading zeros.
  if (std::to_string(value) != digits) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string escape_name(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    const std::size_t length = utf8_sequence(bytes, i);
    if (byte == '\\') {
      out += "\\\\";
    } else if (length == 0 || byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out.append(bytes.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  return out;
}

std::vector<std::string> directory_names(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) throw io_error("list directory " + path, errno);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) throw io_error("list directory " + path, errno);
      return names;
    }
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
}

void check_dataset_layout(const std::string& root, const std::vector<std::string>& streams) {
  Refusals refusals;
  const std::string meta = root + "/_simingest";
  for (const char* sub : {"quarantine", "retired"}) {
    const std::string path = meta + "/" + sub;
    check_directory_entry(path, refusals);
    if (std::string(sub) == "retired" && entry_kind(path) == EntryKind::directory)
      for (const std::string& id : directory_names(path)) check_directory_entry(path + "/" + id, refusals);
  }
  for (const std::string& name : directory_names(root)) {
    if (name == "_simingest") continue;
    const std::string path = root + "/" + name;
    const EntryKind kind = entry_kind(path);
    bool known = false;
    for (const std::string& stream : streams) known = known || stream == name;
    if (kind == EntryKind::directory) {
      if (is_valid_name(name)) check_stream(path, refusals);  // recovery ignores the others
    } else if (kind == EntryKind::symlink && (known || (is_valid_name(name) && points_to_directory(path))))
      refusals.add(path, "a symbolic link, not a directory");
    else if (known) refusals.add(path, kind_text(kind, path) + ", not a directory");
  }
  refusals.throw_if_any();
}

}  // namespace simingest::storage
