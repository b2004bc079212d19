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

struct CopyRead {
  std::string relative_path;
  std::optional<std::string> text;  // none: the copy does not exist
  std::optional<Manifest> manifest;
  std::string error;  // why `text` is not a good manifest
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

// `twin`: the other copy, read already; when this copy's text is the twin's
// and the twin parsed, its manifest is taken instead of parsing the same
// bytes again (equal texts are equal manifests; parsing is most of a load).
CopyRead read_copy(const std::string& root, const char* name, const CopyRead* twin = nullptr) {
  CopyRead copy;
  copy.relative_path = kMetaDirectory + "/" + name;
  const std::string path = root + "/" + copy.relative_path;
  if (entry_kind(path) == EntryKind::missing) return copy;
  std::string why;
  std::optional<std::string> text = read_bounded(path, why);
  if (!text) {
    copy.text = std::string();  // it exists, and it is damaged
    copy.error = path + ": damaged manifest: " + why;
    return copy;
  }
  copy.text = std::move(text);
  if (twin != nullptr && twin->manifest && twin->text == copy.text) {
    copy.manifest = twin->manifest;
    return copy;
  }
  try {
    copy.manifest = parse_manifest(*copy.text, path);
  } catch (const Error& e) {
    if (e.status() != Status::corrupt) throw;
    copy.error = e.what();
  }
  return copy;
}

}  // namespace

LoadedManifest load_manifest_copies(const std::string& root) {
  CopyRead primary = read_copy(root, kManifestName);
  CopyRead backup = read_copy(root, kManifestBackupName, &primary);

  LoadedManifest loaded;
  for (CopyRead* copy : {&primary, &backup})
    if (copy->text && !copy->manifest) loaded.bad.push_back({copy->relative_path, copy->error});
  if (!primary.manifest && !backup.manifest) {
    if (!primary.text && !backup.text) return loaded;  // a new dataset
    std::string message = "no good copy of the manifest is left, nothing was changed";
    for (const BadManifestCopy& bad : loaded.bad) message += "; " + bad.reason;
    if (loaded.bad.size() == 1)
      message += "; " + root + "/" + (primary.text ? backup : primary).relative_path + ": missing";
    throw Error(Status::corrupt, root + "/" + kMetaDirectory + "/" + kManifestName + ": " + message);
  }
  CopyRead& used = primary.manifest ? primary : backup;
  loaded.from_backup = !primary.manifest;
  loaded.manifest = std::move(used.manifest);
  // Equal texts are equal manifests: serialization is deterministic.
  loaded.rewrite = !primary.manifest || !backup.manifest || *primary.text != *backup.text;
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
