#include "storage/resume.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.hpp"
#include "parquet/byte_source.hpp"
#include "parquet/step_split.hpp"
#include "storage/dataset.hpp"
#include "storage/durable_io.hpp"
#include "storage/file_source.hpp"
#include "storage/layout.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kRetiredDirectory = "_simingest/retired";
constexpr const char* kIntentName = "intent.json";
constexpr const char* kDoneName = "retired.json";
constexpr const char* kIntentFormat = "simingest-retirement";
constexpr int kIntentVersion = 1;

std::string utc_compact_now() { return utc_now_text("%Y%m%dT%H%M%SZ"); }

}  // namespace

// Friend of Dataset: a retirement rewrites its file list and manifest.
class Retirement {
 public:
  explicit Retirement(Dataset& dataset) : d_(dataset) {}

  void roll_forward_interrupted();
  void retire_after(int64_t step);

 private:
  // One original file and what becomes of it.
  struct Entry {
    std::string path;  // relative to the dataset
    std::string stream;
    int64_t frames_retired = 0;
    int64_t step_min = 0, step_max = 0;  // of the retired frames
    std::string kept_as;                 // the kept file's path, empty if none
    int64_t frames_kept = 0;
    bool untouched = false;              // holds no row after the step after all
  };
  struct Plan {
    std::string id;  // the directory under _simingest/retired/
    int64_t step = 0;
    std::vector<Entry> entries;
  };
  struct KeptFile {
    std::unique_ptr<PendingFile> file;
    ManifestFile entry;
  };

  std::string directory(const Plan& plan) const { return d_.root_ + "/" + kRetiredDirectory + "/" + plan.id; }
  const ManifestFile* listed(const std::string& path) const {
    for (const ManifestFile& file : d_.files_)
      if (file.path == path) return &file;
    return nullptr;
  }
  std::unique_ptr<KeptFile> prepare(Entry& entry, const ManifestFile& original, int64_t step);
  void execute(Plan& plan, bool intent_on_disk);
  void write_intent(const Plan& plan);
  static Plan parse_intent(const std::string& text, const std::string& id, const std::string& source);

  Dataset& d_;
};

std::unique_ptr<Retirement::KeptFile> Retirement::prepare(Entry& entry, const ManifestFile& original, int64_t step) {
  auto retire_whole = [&](int64_t step_min, int64_t step_max) {
    entry.kept_as.clear();
    entry.frames_kept = 0;
    entry.frames_retired = original.frames;
    entry.step_min = step_min;
    entry.step_max = step_max;
    return nullptr;
  };
  if (original.step_min > step) return retire_whole(original.step_min, original.step_max);

  FileSource source(d_.root_ + "/" + original.path, original.path);
  parquet::StepSplit split(source, step);
  if (split.dropped().rows == 0) {
    entry.untouched = true;  // the manifest's stepMax counted a frame of zero rows
    return nullptr;
  }
  if (split.kept().rows == 0) return retire_whole(split.dropped().step_min, split.dropped().step_max);

  auto kept = std::make_unique<KeptFile>();
  kept->file = d_.begin_file(original.stream, original.partition);
  kept->file->schema_version_ = original.schema_version;  // its columns are the original's
  const std::vector<parquet::ColumnChunkBytes> columns = split.write_kept(*kept->file);
  const parquet::RowsSummary& rows = split.kept();
  ManifestFile& m = kept->entry;
  m.rows = rows.rows;
  m.frames = rows.frames;
  m.row_groups = rows.row_groups;
  m.step_min = rows.step_min;
  m.step_max = rows.step_max;
  m.time_min = rows.time_min;
  m.time_max = rows.time_max;
  for (const auto& column : columns)
    m.columns.push_back(ColumnBytes{column.name, column.uncompressed_bytes, column.compressed_bytes});

  entry.kept_as = kept->file->relative_path();
  entry.frames_kept = rows.frames;
  entry.frames_retired = std::max<int64_t>(original.frames - rows.frames, split.dropped().frames);
  entry.step_min = split.dropped().step_min;
  entry.step_max = split.dropped().step_max;
  return kept;
}

void Retirement::write_intent(const Plan& plan) {
  using Json = nlohmann::ordered_json;
  Json files = Json::array();
  for (const Entry& e : plan.entries)
    files.push_back({{"path", e.path},
                     {"stream", e.stream},
                     {"framesRetired", e.frames_retired},
                     {"stepMin", e.step_min},
                     {"stepMax", e.step_max},
                     {"keptAs", e.kept_as.empty() ? Json(nullptr) : Json(e.kept_as)},
                     {"framesKept", e.frames_kept}});
  Json document = {{"format", kIntentFormat}, {"version", kIntentVersion}, {"resumeFromStep", plan.step},
                   {"files", std::move(files)}};
  make_directories_inside(d_.root_, directory(plan));
  IoTimings ignored;
  replace_file(directory(plan) + "/" + kIntentName, document.dump(2) + "\n", ignored);
}

Retirement::Plan Retirement::parse_intent(const std::string& text, const std::string& id, const std::string& source) {
  auto corrupt = [&](const std::string& what) {
    return Error(Status::corrupt, source + ": corrupt retirement intent: " + what);
  };
  Plan plan;
  plan.id = id;
  try {
    const auto document = nlohmann::json::parse(text);
    if (document.at("format") != kIntentFormat || document.at("version") != kIntentVersion)
      throw corrupt("unknown format or version");
    plan.step = document.at("resumeFromStep").get<int64_t>();
    for (const auto& f : document.at("files")) {
      Entry e;
      e.path = f.at("path").get<std::string>();
      e.stream = f.at("stream").get<std::string>();
      e.frames_retired = f.at("framesRetired").get<int64_t>();
      e.step_min = f.at("stepMin").get<int64_t>();
      e.step_max = f.at("stepMax").get<int64_t>();
      if (!f.at("keptAs").is_null()) e.kept_as = f.at("keptAs").get<std::string>();
      e.frames_kept = f.at("framesKept").get<int64_t>();
      // Paths come from the manifest, whose parser only accepts paths inside
      // a stream directory; an intent must not be able to name anything else.
      if (e.path.empty() || e.path[0] == '/' || e.path.find("..") != std::string::npos ||
          e.path.compare(0, 11, "_simingest/") == 0)
        throw corrupt("path \"" + e.path + "\" is not a dataset file");
      plan.entries.push_back(std::move(e));
    }
  } catch (const nlohmann::json::exception& e) {
    throw corrupt(e.what());
  }
  return plan;
}

void Retirement::execute(Plan& plan, bool intent_on_disk) {
  // 1. Kept files still to write, under their hidden names.
  std::vector<std::unique_ptr<KeptFile>> kept;
  for (Entry& e : plan.entries) {
    const ManifestFile* original = listed(e.path);
    if (original == nullptr) continue;                        // moved aside already (or gone)
    if (!e.kept_as.empty() && listed(e.kept_as)) continue;   // committed before a crash
    if (auto file = prepare(e, *original, plan.step)) kept.push_back(std::move(file));
  }
  plan.entries.erase(std::remove_if(plan.entries.begin(), plan.entries.end(), [](const Entry& e) { return e.untouched; }),
                     plan.entries.end());
  if (plan.entries.empty()) return;

  // 2. The plan is durable before anything readers see changes.
  if (!intent_on_disk || !kept.empty()) write_intent(plan);

  // 3. Kept frames are committed before their original goes.
  for (auto& k : kept) d_.commit_file(std::move(k->file), std::move(k->entry));

  // 4. Originals aside.
  const std::string dir = directory(plan);
  std::set<std::string> touched;
  for (const Entry& e : plan.entries) {
    const std::string from = d_.root_ + "/" + e.path;
    if (!regular_file_size(from)) continue;
    const std::string to = dir + "/" + e.path;
    make_directories_inside(d_.root_, parent_directory(to));
    rename_path(from, to);
    touched.insert(parent_directory(from));
    touched.insert(parent_directory(to));
  }
  for (const std::string& directory : touched) fsync_directory(directory);

  // 5. The manifest without them.
  const std::size_t before = d_.files_.size();
  d_.files_.erase(std::remove_if(d_.files_.begin(), d_.files_.end(),
                                 [&](const ManifestFile& f) {
                                   return std::any_of(plan.entries.begin(), plan.entries.end(),
                                                      [&](const Entry& e) { return e.path == f.path; });
                                 }),
                  d_.files_.end());
  if (d_.files_.size() != before) {
    IoTimings ignored;
    d_.write_manifest(ignored);
  }

  // 6. Done.
  rename_path(dir + "/" + kIntentName, dir + "/" + kDoneName);
  fsync_directory(dir);

  // Report what is now in the retirement directory. Recovery, run before
  // this, reports an original moved just before a crash as missing: it is not.
  RecoveryReport& report = d_.report_;
  for (const Entry& e : plan.entries) {
    const std::string moved_to = std::string(kRetiredDirectory) + "/" + plan.id + "/" + e.path;
    if (!regular_file_size(d_.root_ + "/" + moved_to)) continue;
    report.missing.erase(std::remove_if(report.missing.begin(), report.missing.end(),
                                        [&](const MissingFile& m) { return m.path == e.path; }),
                         report.missing.end());
    RetiredFile r;
    r.path = e.path;
    r.moved_to = moved_to;
    r.stream = e.stream;
    r.frames_retired = e.frames_retired;
    r.step_min = e.step_min;
    r.step_max = e.step_max;
    r.kept_as = e.kept_as;
    r.frames_kept = e.frames_kept;
    report.retired.push_back(std::move(r));
  }
}

void Retirement::roll_forward_interrupted() {
  namespace fs = std::filesystem;
  const std::string root = d_.root_ + "/" + kRetiredDirectory;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return;
  std::vector<std::string> ids;
  for (fs::directory_iterator it(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_directory(ec)) ids.push_back(it->path().filename().string());
  if (ec) throw io_error("list directory " + root, ec.value());
  std::sort(ids.begin(), ids.end());  // oldest first: ids start with the UTC time
  for (const std::string& id : ids) {
    const std::string intent = root + "/" + id + "/" + kIntentName;
    if (!regular_file_size(intent)) continue;  // done, or stopped before its plan was written
    Plan plan = parse_intent(read_file(intent), id, std::string(kRetiredDirectory) + "/" + id + "/" + kIntentName);
    execute(plan, true);
    // Nothing left to do (every original already gone): close it all the same.
    if (plan.entries.empty() && regular_file_size(intent)) {
      rename_path(intent, root + "/" + id + "/" + kDoneName);
      fsync_directory(root + "/" + id);
    }
  }
}

void Retirement::retire_after(int64_t step) {
  Plan plan;
  plan.step = step;
  for (const ManifestFile& file : d_.files_) {
    if (file.step_max <= step) continue;
    Entry e;
    e.path = file.path;
    e.stream = file.stream;
    plan.entries.push_back(std::move(e));
  }
  if (plan.entries.empty()) return;
  plan.id = utc_compact_now() + "-" + d_.writer_id_;
  for (int n = 2; path_exists(directory(plan)); ++n) plan.id = utc_compact_now() + "-" + d_.writer_id_ + "-" + std::to_string(n);
  execute(plan, false);
}

void resume_dataset(Dataset& dataset, const std::optional<int64_t>& resume_from_step) {
  Retirement retirement(dataset);
  retirement.roll_forward_interrupted();
  if (resume_from_step) retirement.retire_after(*resume_from_step);
}

}  // namespace simingest::storage
