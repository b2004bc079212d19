#include "storage/manifest_store.hpp"

#include "core/status.hpp"

namespace simingest::storage {

namespace {

const std::string kMetaDirectory = "_simingest";

struct CopyRead {
  std::string relative_path;
  std::optional<std::string> text;  // none: the copy does not exist
  std::optional<Manifest> manifest;
  std::string error;  // why `text` is not a good manifest
};

CopyRead read_copy(const std::string& root, const char* name) {
  CopyRead copy;
  copy.relative_path = kMetaDirectory + "/" + name;
  const std::string path = root + "/" + copy.relative_path;
  if (!regular_file_size(path)) return copy;
  copy.text = read_file(path);
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
  CopyRead backup = read_copy(root, kManifestBackupName);

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
    const auto bytes = regular_file_size(path);
    if (!bytes) continue;
    remove_file(path);
    removed.push_back(RemovedLeftover{relative, *bytes});
  }
  return removed;
}

}  // namespace simingest::storage
