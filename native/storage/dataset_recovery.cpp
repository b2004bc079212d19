// Recovery on open (storage/dataset.hpp): finish the commits a crash
// interrupted, salvage or remove every other in-progress file, and leave
// names simingest did not make alone (storage/layout.hpp).
#include <fcntl.h>

#include <set>
#include <string>
#include <vector>

#include "core/names.hpp"
#include "storage/dataset.hpp"
#include "storage/journal_salvage.hpp"
#include "storage/layout.hpp"

namespace simingest::storage {

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// The entries of `path` of kind `want` (lstat: links are never followed).
std::vector<std::string> list_entries(const std::string& path, EntryKind want) {
  std::vector<std::string> names;
  for (std::string& name : directory_names(path))
    if (entry_kind(path + "/" + name) == want) names.push_back(std::move(name));
  return names;
}

}  // namespace

void Dataset::recover() {
  // A crash between the manifest rename and a file's rename leaves the file
  // committed but still under its hidden name: finish the rename. A listed
  // file with neither name (or an in-progress file of another size) was
  // never durably written: drop its entry, report it missing.
  std::vector<ManifestFile> kept;
  std::set<std::string> renamed_in;
  bool dropped = false;
  for (ManifestFile& file : files_) {
    const std::string final_path = root_ + "/" + file.path;
    // Anything at the final name stays listed: verification quarantines what
    // is not a good regular file (a link, a directory, …).
    if (entry_kind(final_path) != EntryKind::missing) {
      kept.push_back(std::move(file));
      continue;
    }
    const std::string inprogress = inprogress_path_for(final_path);
    std::optional<uint64_t> size = regular_file_size(inprogress);
    if (size && *size == file.bytes) {
      rename_path(inprogress, final_path);
      renamed_in.insert(parent_directory(final_path));
      kept.push_back(std::move(file));
    } else {
      report_.missing.push_back(MissingFile{file.path, file.frames});
      dropped = true;
    }
  }
  files_ = std::move(kept);
  for (const std::string& directory : renamed_in) fsync_directory(directory);
  if (dropped) {
    IoTimings ignored;
    write_manifest(ignored);
  }

  // A file under its final name that no entry lists was renamed into place
  // by a commit whose manifest never landed: adopt it or delete it. Every
  // in-progress file left now belongs to no commit: keep the row groups
  // its journal proves complete, remove the rest.
  // Names simingest did not make are left alone; those that look like its
  // own are reported (escaped: they may not be UTF-8).
  std::set<std::string> listed;
  for (const ManifestFile& file : files_) listed.insert(file.path);
  auto ignore = [&](const std::string& relative, const char* reason) {
    report_.ignored.push_back(IgnoredEntry{escape_name(relative), reason});
  };
  for (const std::string& stream : list_entries(root_, EntryKind::directory)) {
    if (stream == "_simingest") continue;
    if (!is_valid_name(stream)) {
      ignore(stream, "not a stream name simingest writes");
      continue;
    }
    const std::string stream_dir = root_ + "/" + stream;
    for (const std::string& partition : list_entries(stream_dir, EntryKind::directory)) {
      if (!starts_with(partition, "part=")) continue;
      if (!partition_of(partition)) {
        ignore(stream + "/" + partition, "not a partition directory name simingest writes");
        continue;
      }
      const std::string relative_dir = stream + "/" + partition;
      const std::string partition_dir = stream_dir + "/" + partition;
      const std::vector<std::string> names = list_entries(partition_dir, EntryKind::regular);
      const std::set<std::string> present(names.begin(), names.end());
      for (const std::string& name : names)
        if (is_committed_file_name(name) && !listed.count(relative_dir + "/" + name))
          adopt_or_remove(relative_dir, name);
      for (const std::string& name : names) {
        if (is_inprogress_name(name)) salvage_or_remove(relative_dir, name);
        else if (starts_with(name, kInProgressPrefix) && !is_journal_name(name))
          ignore(relative_dir + "/" + name, "not an in-progress file name simingest writes");
      }
      // A journal without its file (committed, or removed before a crash
      // could undo the journal's removal) has nothing left to say.
      for (const std::string& name : names)
        if (is_journal_name(name) &&
            !present.count(name.substr(0, name.size() - std::char_traits<char>::length(kJournalSuffix))))
          remove_file(partition_dir + "/" + name);
    }
  }
}

void Dataset::salvage_or_remove(const std::string& relative_dir, const std::string& name) {
  const std::string directory = root_ + "/" + relative_dir;
  const std::string inprogress = directory + "/" + name;
  const std::string journal = inprogress + kJournalSuffix;
  const std::string final_name = final_name_of_inprogress(name);
  const std::string relative_final = relative_dir + "/" + final_name;
  SalvagePlan plan = plan_salvage(inprogress, journal, relative_final);
  if (plan.records.empty() || path_exists(directory + "/" + final_name)) {
    remove_file(inprogress);
    remove_file(journal);
    report_.removed.push_back(RemovedLeftover{relative_dir + "/" + name, plan.file_bytes});
    return;
  }

  // Cut after the last verified row group, append the footer those row
  // groups need and commit the file like any other. A crash in between
  // leaves the journal and the same verified prefix: the next open redoes it.
  std::unique_ptr<PendingFile> file(new PendingFile());
  file->remove_if_uncommitted_ = false;
  file->fd_ = open_file(inprogress, O_WRONLY | O_APPEND | O_NOFOLLOW, 0, "open").release();
  // Unstaged and buffered: only the footer is written, straight through.
  file->appender_ = std::make_unique<FileAppender>(file->fd_, inprogress, CommitIo::buffered, false);
  file->stream_ = plan.header.stream;
  file->partition_ = plan.header.partition;
  file->relative_path_ = relative_final;
  file->inprogress_path_ = inprogress;
  file->final_path_ = directory + "/" + final_name;
  file->directory_ = directory;
  file->journal_path_ = journal;
  truncate_file(file->fd_, plan.keep_bytes, inprogress);
  file->size_ = plan.keep_bytes;
  file->crc32c_ = plan.keep_crc32c;
  std::vector<const std::vector<uint8_t>*> row_groups;
  for (const JournalRecord& record : plan.records) row_groups.push_back(&record.row_group_metadata);
  ManifestFile entry = salvaged_entry(plan);
  parquet::FileWriter::write_footer(*file, plan.header.schema, plan.header.key_values, row_groups, entry.rows);
  SalvagedFile salvaged{relative_final, entry.row_groups, entry.frames, entry.rows,
                        plan.file_bytes - plan.keep_bytes};
  commit_file(std::move(file), std::move(entry));
  report_.salvaged.push_back(std::move(salvaged));
}

void Dataset::adopt_or_remove(const std::string& relative_dir, const std::string& name) {
  const std::string path = root_ + "/" + relative_dir + "/" + name;
  const std::string journal = root_ + "/" + relative_dir + "/." + name + ".inprogress" + kJournalSuffix;
  std::optional<ManifestFile> entry = plan_adoption(path, journal, relative_dir + "/" + name);
  if (!entry) {
    // Its frames were never flushed (flush() returns after the manifest),
    // and without a whole journal its manifest entry cannot be rebuilt.
    const uint64_t bytes = regular_file_size(path).value_or(0);
    remove_file(path);
    remove_file(journal);
    fsync_directory(root_ + "/" + relative_dir);
    report_.removed.push_back(RemovedLeftover{relative_dir + "/" + name, bytes});
    return;
  }
  entry->committed_at = utc_now_iso8601();
  files_.push_back(*entry);
  IoTimings ignored;
  write_manifest(ignored);
  remove_file(journal);
  report_.salvaged.push_back(SalvagedFile{entry->path, entry->row_groups, entry->frames, entry->rows, 0});
}

}  // namespace simingest::storage
