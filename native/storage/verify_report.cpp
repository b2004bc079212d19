#include "storage/verify_report.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "storage/durable_io.hpp"
#include "storage/manifest_store.hpp"
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

std::string verify_report_json(const std::string& root) {
  const LoadedManifest loaded = load_manifest_copies(root);
  if (!loaded.manifest)
    throw Error(Status::io, root + "/_simingest/" + kManifestName + ": not a simingest dataset (no manifest)");
  bool ok = loaded.bad.empty();
  Json manifests = Json::array();
  // The primary is missing when the backup was read without the primary being damaged.
  manifests.push_back(copy_status(loaded, kManifestName, loaded.from_backup));
  manifests.push_back(copy_status(loaded, kManifestBackupName,
                                  !regular_file_size(root + "/_simingest/" + kManifestBackupName)));
  for (const Json& copy : manifests) ok = ok && copy["ok"].get<bool>();

  Json files = Json::array();
  uint64_t failed = 0, bytes = 0;
  for (const ManifestFile& file : loaded.manifest->files) {
    std::string problem;
    try {
      problem = check_committed_file(root, file, /*verify_full=*/true);
    } catch (const Error& e) {
      problem = e.what();  // unreadable (missing, permissions): a failure too
    }
    Json entry = {{"path", file.path}, {"stream", file.stream}, {"bytes", file.bytes}, {"ok", problem.empty()}};
    if (!problem.empty()) {
      entry["problem"] = problem;
      ++failed;
    }
    bytes += file.bytes;
    files.push_back(std::move(entry));
  }
  Json out;
  out["path"] = root;
  out["manifestSource"] = loaded.from_backup ? kManifestBackupName : kManifestName;
  out["ok"] = ok && failed == 0;
  out["manifests"] = std::move(manifests);
  out["files"] = std::move(files);
  out["filesChecked"] = loaded.manifest->files.size();
  out["filesFailed"] = failed;
  out["bytesChecked"] = bytes;
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace simingest::storage
