#include "storage/shared_dataset.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "core/names.hpp"
#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/durable_io.hpp"
#include "storage/layout.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kDescriptorFormat = "simingest-shared";
constexpr int kDescriptorVersion = 1;
constexpr std::string_view kWriterPrefix = "writer=";
constexpr uint64_t kMaxDescriptorBytes = 4096;

std::string meta_directory(const std::string& root) { return root + "/_simingest"; }
std::string descriptor_relative() { return std::string("_simingest/") + kSharedDescriptorName; }
std::string descriptor_path(const std::string& root) { return root + "/" + descriptor_relative(); }

// The descriptor's text: the count, and a CRC-32C of the text before it, so
// a damaged descriptor is told from one that records another count.
std::string descriptor_text(uint32_t count) {
  const std::string body = std::string("{\"format\":\"") + kDescriptorFormat +
                           "\",\"version\":" + std::to_string(kDescriptorVersion) +
                           ",\"writers\":" + std::to_string(count);
  return body + ",\"crc32c\":\"" + checksum_text(kernels::crc32c(body.data(), body.size())) + "\"}\n";
}

// The count `text` records, or why it is not a descriptor.
std::optional<uint32_t> parse_descriptor(const std::string& text, std::string& why) {
  const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || doc.value("format", "") != kDescriptorFormat || !doc.contains("writers") ||
      !doc["writers"].is_number_unsigned() || !doc.contains("crc32c") || !doc["crc32c"].is_string()) {
    why = "not a shared-dataset descriptor";
    return std::nullopt;
  }
  const uint64_t count = doc["writers"].get<uint64_t>();
  if (count == 0 || count > UINT32_MAX || text != descriptor_text(static_cast<uint32_t>(count))) {
    why = "its CRC-32C does not match its text";
    return std::nullopt;
  }
  return static_cast<uint32_t>(count);
}

std::string random_suffix() {
  std::random_device device;
  char text[24];
  std::snprintf(text, sizeof text, "%ld-%08" PRIx32, static_cast<long>(::getpid()), static_cast<uint32_t>(device()));
  return text;
}

// Creates the descriptor recording `count` if there is none: a complete
// temporary file is link()ed to the descriptor's name, which fails with
// EEXIST if any writer created it first, so no reader ever sees half of one
// and no writer ever replaces another's.
void create_descriptor_if_absent(const std::string& root, uint32_t count) {
  const std::string path = descriptor_path(root);
  const std::string temporary = path + "." + random_suffix() + ".tmp";
  const std::string text = descriptor_text(count);
  {
    FileDescriptor fd = open_file(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644, "create");
    write_all(fd.get(), text.data(), text.size(), temporary);
    fsync_file(fd.get(), temporary);
  }
  const int rc = ::link(temporary.c_str(), path.c_str());
  const int error = errno;
  remove_file(temporary);
  if (rc != 0 && error != EEXIST) throw io_error("create " + path, error);
  fsync_directory(meta_directory(root));
}

std::string absolute_path(const std::string& path) {
  if (path.empty()) throw Error(Status::io, "dataset path is empty");
  std::error_code ec;
  std::string root = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) throw io_error("resolve " + path, ec.value());
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

std::string prefixed(uint32_t id, const std::string& relative) { return writer_directory(id) + "/" + relative; }

}  // namespace

std::string writer_directory(uint32_t id) { return std::string(kWriterPrefix) + std::to_string(id); }

std::optional<uint32_t> writer_of_directory(std::string_view name) {
  if (name.substr(0, kWriterPrefix.size()) != kWriterPrefix) return std::nullopt;
  const std::string_view digits = name.substr(kWriterPrefix.size());
  if (digits.empty() || digits.size() > 10 || digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  const uint64_t value = std::stoull(std::string(digits));
  // Only the spelling writer_directory writes: no leading zeros.
  if (value > UINT32_MAX || std::to_string(value) != digits) return std::nullopt;
  return static_cast<uint32_t>(value);
}

std::optional<uint32_t> shared_writer_count(const std::string& root, bool quarantine) {
  const std::string path = descriptor_path(root);
  const EntryKind kind = entry_kind(path);
  if (kind == EntryKind::missing) return std::nullopt;
  std::string why;
  std::optional<uint32_t> count;
  if (kind != EntryKind::regular) {
    why = describe_entry(path) + ", not a regular file";
  } else if (regular_file_size(path).value_or(0) > kMaxDescriptorBytes) {
    why = "larger than a descriptor may be (" + std::to_string(kMaxDescriptorBytes) + " bytes)";
  } else {
    count = parse_descriptor(read_file(path), why);
  }
  if (count) return count;
  if (!quarantine) throw Error(Status::corrupt, path + ": damaged shared-dataset descriptor (" + why + ")");
  const std::string moved = move_to_quarantine(root, descriptor_relative());
  throw Error(Status::corrupt, path + ": damaged shared-dataset descriptor (" + why + "); moved to " + root + "/" +
                                   moved + ". The next writer to open creates it again from its writer.count");
}

std::string claim_shared_writer(const std::string& path, const SharedWriter& writer) {
  if (writer.count == 0 || writer.id >= writer.count)
    throw Error(Status::config, "writer.id " + std::to_string(writer.id) + " is not below writer.count " +
                                    std::to_string(writer.count));
  const std::string root = absolute_path(path);
  make_directories(root);
  make_directories_inside(root, meta_directory(root));
  if (entry_kind(meta_directory(root) + "/" + kManifestName) != EntryKind::missing)
    throw Error(Status::config, root + " is a single-writer dataset (it has " + meta_directory(root) + "/" +
                                    kManifestName + "): open it without writer, or give the shared dataset a new path");
  std::optional<uint32_t> recorded = shared_writer_count(root, /*quarantine=*/true);
  if (!recorded) {
    create_descriptor_if_absent(root, writer.count);
    recorded = shared_writer_count(root, /*quarantine=*/true);  // ours, or the one another writer linked first
  }
  if (*recorded != writer.count)
    throw Error(Status::config, root + ": writer.count is " + std::to_string(writer.count) +
                                    " but the shared dataset was created for " + std::to_string(*recorded) +
                                    " writers (" + descriptor_path(root) +
                                    "); every writer of a dataset must give the same count");
  const std::string directory = root + "/" + writer_directory(writer.id);
  make_directories_inside(root, directory);  // refuses a link: the part must be inside the dataset
  return directory;
}

void refuse_shared_without_writer(const std::string& root) {
  if (const std::optional<uint32_t> count = shared_writer_count(root, /*quarantine=*/true))
    throw Error(Status::config, root + " is a dataset shared by " + std::to_string(*count) +
                                    " writers: open it with writer: {id, count: " + std::to_string(*count) + "}");
}

std::vector<uint32_t> writers_present(const std::string& root) {
  std::vector<uint32_t> ids;
  for (const std::string& name : directory_names(root)) {
    const std::optional<uint32_t> id = writer_of_directory(name);
    if (!id) continue;
    const std::string directory = root + "/" + name;
    // A link or a foreign file under a writer's name is no writer's part.
    if (entry_kind(directory) != EntryKind::directory) continue;
    if (entry_kind(directory + "/_simingest/" + kManifestName) == EntryKind::missing &&
        entry_kind(directory + "/_simingest/" + kManifestBackupName) == EntryKind::missing)
      continue;  // opened, but its first manifest is not written yet
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

SharedManifestTexts read_shared_manifest_texts(const std::string& root) {
  SharedManifestTexts texts;
  for (uint32_t id : writers_present(root)) texts.emplace_back(id, read_manifest_texts(root + "/" + writer_directory(id)));
  return texts;
}

std::vector<WriterManifest> load_writer_manifests(const std::string& root, const SharedManifestTexts& texts) {
  std::vector<WriterManifest> writers;
  for (const auto& [id, copies] : texts) {
    WriterManifest writer;
    writer.id = id;
    const std::string part = root + "/" + writer_directory(id);
    writer.loaded = load_manifest_copies(part, copies);  // Error(corrupt) naming the copies
    if (!writer.loaded.manifest) continue;  // both copies vanished since the listing: not there yet
    writers.push_back(std::move(writer));
  }
  return writers;
}

Manifest union_of_writers(const std::vector<WriterManifest>& writers) {
  Manifest out;
  std::map<std::string, uint32_t> declared_by;  // stream → the first writer declaring it
  for (const WriterManifest& writer : writers) {
    const Manifest& manifest = *writer.loaded.manifest;
    if (out.version == 0) out.version = manifest.version;
    for (const auto& declared : manifest.streams) {
      const std::string& stream = declared.first;
      const std::string& schema = declared.second;
      auto found = std::find_if(out.streams.begin(), out.streams.end(),
                                [&](const auto& entry) { return entry.first == stream; });
      if (found == out.streams.end()) {
        out.streams.emplace_back(stream, schema);
        declared_by[stream] = writer.id;
        if (auto history = manifest.schema_histories.find(stream); history != manifest.schema_histories.end())
          out.schema_histories[stream] = history->second;
        continue;
      }
      const bool same_history = out.schema_histories.count(stream) == manifest.schema_histories.count(stream);
      if (found->second != schema || !same_history)
        throw Error(Status::schema_conflict,
                    "stream " + quote_name(stream) + ": " + writer_directory(declared_by[stream]) + " and " +
                        writer_directory(writer.id) +
                        " declare different schemas; every writer of a shared dataset must declare a stream alike");
    }
    for (const ManifestFile& file : manifest.files) {
      out.files.push_back(file);
      out.files.back().path = prefixed(writer.id, file.path);
    }
    for (const QuarantinedFile& file : manifest.quarantined) {
      out.quarantined.push_back(file);
      out.quarantined.back().path = prefixed(writer.id, file.path);
      out.quarantined.back().moved_to = prefixed(writer.id, file.moved_to);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::optional<int64_t>>> job_durable_steps(
    const std::vector<WriterManifest>& writers, uint32_t count) {
  // Per stream, per writer: its last durable step (the largest step_max).
  std::map<std::string, std::map<uint32_t, int64_t>> last;
  std::vector<std::string> order;
  for (const WriterManifest& writer : writers) {
    if (writer.id >= count) continue;  // not one of the job's writers
    for (const auto& stream : writer.loaded.manifest->streams)
      if (last.emplace(stream.first, std::map<uint32_t, int64_t>{}).second) order.push_back(stream.first);
    for (const ManifestFile& file : writer.loaded.manifest->files) {
      auto [it, inserted] = last[file.stream].emplace(writer.id, file.step_max);
      if (!inserted) it->second = std::max(it->second, file.step_max);
    }
  }
  std::vector<std::pair<std::string, std::optional<int64_t>>> out;
  for (const std::string& stream : order) {
    const std::map<uint32_t, int64_t>& steps = last[stream];
    std::optional<int64_t> job;
    if (steps.size() == count)  // every writer has committed some of it
      for (const auto& entry : steps) job = job ? std::min(*job, entry.second) : entry.second;
    out.emplace_back(stream, job);
  }
  return out;
}

}  // namespace simingest::storage
