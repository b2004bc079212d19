#include "storage/verify_report.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "storage/durable_io.hpp"
#include "storage/manifest_store.hpp"
#include "storage/shared_dataset.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

Json copy_status(const LoadedManifest& loaded, const std::string& name, bool missing) {
  const std::string relative = std::string("_simingest/") + name;
  Json out = {{"path", relative}, {"ok", true}};
  auto bad = std::find_if(loaded.bad.begin(), loaded.bad.end(),
                          [&](const BadManifestCopy& copy) { return copy.relative_path == relative; });
  if (bad != loaded.bad.end()) {
    out["ok"] = false;
    out["problem"] = bad->reason;
  } else if (missing) {
    out["ok"] = false;
    out["problem"] = "missing";
  }
  return out;
}

}  // namespace

namespace {

// One manifest (a single-writer dataset's, or one writer's part of a shared
// one at `prefix`): its two copies' status into `manifests`, its files
// checked into `files`. False if a copy is damaged or missing.
bool verify_manifest(const std::string& root, const std::string& prefix, const LoadedManifest& loaded,
                     Json& manifests, Json& files, uint64_t& failed, uint64_t& bytes) {
  const std::string part = prefix.empty() ? root : root + "/" + prefix;
  const std::string shown = prefix.empty() ? "" : prefix + "/";
  bool ok = loaded.bad.empty();
  Json copies = Json::array();
  // The primary is missing when the backup was read without the primary being damaged.
  copies.push_back(copy_status(loaded, kManifestName, loaded.from_backup));
  copies.push_back(copy_status(loaded, kManifestBackupName,
                               !regular_file_size(part + "/_simingest/" + kManifestBackupName)));
  for (Json& copy : copies) {
    ok = ok && copy["ok"].get<bool>();
    copy["path"] = shown + copy["path"].get<std::string>();
    manifests.push_back(std::move(copy));
  }
  for (const ManifestFile& file : loaded.manifest->files) {
    std::string problem;
    try {
      problem = check_committed_file(part, file, /*verify_full=*/true);
    } catch (const Error& e) {
      problem = e.what();  // unreadable (missing, permissions): a failure too
    }
    Json entry = {{"path", shown + file.path}, {"stream", file.stream}, {"bytes", file.bytes}, {"ok", problem.empty()}};
    if (!problem.empty()) {
      entry["problem"] = problem;
      ++failed;
    }
    bytes += file.bytes;
    files.push_back(std::move(entry));
  }
  return ok;
}

}  // namespace

std::string verify_report_json(const std::string& root) {
  Json manifests = Json::array();
  Json files = Json::array();
  uint64_t failed = 0, bytes = 0;
  bool ok = true;
  std::string source;
  if (shared_writer_count(root)) {
    // A shared dataset (storage/shared_dataset.hpp): every writer's part.
    source = "writers";
    for (const WriterManifest& writer : load_writer_manifests(root, read_shared_manifest_texts(root)))
      ok = verify_manifest(root, writer_directory(writer.id), writer.loaded, manifests, files, failed, bytes) && ok;
  } else {
    const LoadedManifest loaded = load_manifest_copies(root);
    if (!loaded.manifest)
      throw Error(Status::io, root + "/_simingest/" + kManifestName + ": not a simingest dataset (no manifest)");
    source = loaded.from_backup ? kManifestBackupName : kManifestName;
    ok = verify_manifest(root, "", loaded, manifests, files, failed, bytes);
  }
  Json out;
  out["path"] = root;
  out["manifestSource"] = source;
  out["ok"] = ok && failed == 0;
  out["manifests"] = std::move(manifests);
  const std::size_t checked = files.size();
  out["files"] = std::move(files);
  out["filesChecked"] = checked;
  out["filesFailed"] = failed;
  out["bytesChecked"] = bytes;
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace simingest::storage
