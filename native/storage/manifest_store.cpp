#include "storage/manifest_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "core/status.hpp"
#include "storage/layout.hpp"

namespace simingest::storage {

namespace {

const std::string kMetaDirectory = "_simingest";

// One copy parsed: its manifest, or why its text is not a good one.
struct CopyParse {
  std::optional<Manifest> manifest;
  std::string error;
};

// The copy's bytes, or why it cannot be a manifest. Opened without
// following a link and without blocking (a FIFO), checked to be a regular
// file of bounded size, and read up to that bound only: no file type can
// make the open hang or exhaust memory (docs/adr/0011-no-symlinks-inside-a-dataset.md).
std::optional<std::string> read_bounded(const std::string& path, std::string& why) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ELOOP) why = "a symbolic link, not a regular file";
    else throw io_error("open " + path, errno);
    return std::nullopt;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw io_error("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) {
    why = describe_entry(path) + ", not a regular file";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes) {
    why = std::to_string(st.st_size) + " bytes, more than a manifest may have (" +
          std::to_string(kMaxManifestBytes) + ")";
    return std::nullopt;
  }
  std::string text(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read " + path, errno);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > static_cast<std::size_t>(st.st_size)) {
    why = "grew while being read";
    return std::nullopt;
  }
  text.resize(got);
  return text;
}

ManifestCopyText read_copy(const std::string& root, const char* name) {
  ManifestCopyText copy;
  const std::string path = root + "/" + kMetaDirectory + "/" + name;
  if (entry_kind(path) == EntryKind::missing) return copy;
  std::string why;
  copy.text = read_bounded(path, why);
  if (!copy.text) {
    copy.text = std::string();  // it exists, and it is damaged
    copy.damage = path + ": damaged manifest: " + why;
  }
  return copy;
}

// `twin`: the other copy, parsed already; when this copy's text is the twin's
// and the twin parsed, its manifest is taken instead of parsing the same
// bytes again (equal texts are equal manifests; parsing is most of a load).
CopyParse parse_copy(const std::string& root, const char* name, const ManifestCopyText& copy,
                     const ManifestCopyText* twin_text = nullptr, const CopyParse* twin = nullptr) {
  CopyParse parsed;
  if (!copy.text) return parsed;
  if (!copy.damage.empty()) {
    parsed.error = copy.damage;
    return parsed;
  }
  if (twin != nullptr && twin->manifest && twin_text->text == copy.text) {
    parsed.manifest = twin->manifest;
    return parsed;
  }
  const std::string path = root + "/" + kMetaDirectory + "/" + name;
  try {
    parsed.manifest = parse_manifest(*copy.text, path);
  } catch (const Error& e) {
    if (e.status() != Status::corrupt) throw;
    parsed.error = e.what();
  }
  return parsed;
}

}  // namespace

ManifestTexts read_manifest_texts(const std::string& root) {
  return {read_copy(root, kManifestName), read_copy(root, kManifestBackupName)};
}

LoadedManifest load_manifest_copies(const std::string& root) {
  return load_manifest_copies(root, read_manifest_texts(root));
}

LoadedManifest load_manifest_copies(const std::string& root, const ManifestTexts& texts) {
  CopyParse primary = parse_copy(root, kManifestName, texts.primary);
  CopyParse backup = parse_copy(root, kManifestBackupName, texts.backup, &texts.primary, &primary);

  LoadedManifest loaded;
  const std::string primary_path = kMetaDirectory + "/" + kManifestName;
  const std::string backup_path = kMetaDirectory + "/" + kManifestBackupName;
  if (texts.primary.text && !primary.manifest) loaded.bad.push_back({primary_path, primary.error});
  if (texts.backup.text && !backup.manifest) loaded.bad.push_back({backup_path, backup.error});
  if (!primary.manifest && !backup.manifest) {
    if (!texts.primary.text && !texts.backup.text) return loaded;  // a new dataset
    std::string message = "no good copy of the manifest is left, nothing was changed";
    for (const BadManifestCopy& bad : loaded.bad) message += "; " + bad.reason;
    if (loaded.bad.size() == 1)
      message += "; " + root + "/" + (texts.primary.text ? backup_path : primary_path) + ": missing";
    throw Error(Status::corrupt, root + "/" + kMetaDirectory + "/" + kManifestName + ": " + message);
  }
  CopyParse& used = primary.manifest ? primary : backup;
  loaded.from_backup = !primary.manifest;
  loaded.manifest = std::move(used.manifest);
  // Equal texts are equal manifests: serialization is deterministic.
  loaded.rewrite = !primary.manifest || !backup.manifest || *texts.primary.text != *texts.backup.text;
  return loaded;
}

void store_manifest_copies(const std::string& root, const Manifest& manifest, IoTimings& timings) {
  const std::string text = serialize_manifest(manifest);
  const std::string directory = root + "/" + kMetaDirectory + "/";
  replace_file(directory + kManifestBackupName, text, timings);
  replace_file(directory + kManifestName, text, timings);
}

std::vector<RemovedLeftover> remove_manifest_temporaries(const std::string& root) {
  std::vector<RemovedLeftover> removed;
  for (const char* name : {kManifestName, kManifestBackupName}) {
    const std::string relative = std::string(kMetaDirectory) + "/" + name + ".tmp";
    const std::string path = root + "/" + relative;
    // Ours whatever it is now: a link is removed, not followed.
    const EntryKind kind = entry_kind(path);
    if (kind == EntryKind::missing) continue;
    if (kind == EntryKind::directory) refuse_layout(path, "a directory, not a regular file");
    const uint64_t bytes = kind == EntryKind::regular ? regular_file_size(path).value_or(0) : 0;
    remove_file(path);
    removed.push_back(RemovedLeftover{relative, bytes});
  }
  return removed;
}

}  // namespace simingest::storage
