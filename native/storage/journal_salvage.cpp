#include "storage/journal_salvage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/durable_io.hpp"
#include "storage/verify.hpp"

namespace simingest::storage {

namespace {

// Walks the file once, checking each record's running CRC at its end offset;
// keeps the records up to the first that does not match.
void verify_records(const std::string& path, std::vector<JournalRecord>& records, uint64_t file_bytes,
                    uint32_t& crc_out) {
  std::size_t verified = 0;
  uint32_t crc = 0, crc_at_verified = 0;
  uint64_t offset = 0;
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (fd.get() < 0) throw io_error("open " + path, errno);
  std::vector<unsigned char> chunk(1u << 20);
  while (verified < records.size()) {
    const uint64_t end = records[verified].end_offset;
    if (end > file_bytes) break;  // the row group's bytes never all reached the file
    while (offset < end) {
      const std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), end - offset));
      const ssize_t got = ::pread(fd.get(), chunk.data(), want, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        throw io_error("read " + path, errno);
      }
      if (got == 0) break;  // shorter than it was a moment ago
      crc = kernels::crc32c_extend(crc, chunk.data(), static_cast<std::size_t>(got));
      offset += static_cast<uint64_t>(got);
    }
    if (offset != end || crc != records[verified].data_crc) break;
    crc_at_verified = crc;
    ++verified;
  }
  records.resize(verified);
  crc_out = crc_at_verified;
}

}  // namespace

SalvagePlan plan_salvage(const std::string& inprogress_path, const std::string& journal_path,
                         const std::string& relative_path) {
  SalvagePlan plan;
  plan.file_bytes = regular_file_size(inprogress_path).value_or(0);
  if (!regular_file_size(journal_path)) return plan;
  const std::string bytes = read_file(journal_path);
  JournalContents journal = parse_journal(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!journal.header || journal.records.empty()) return plan;
  const JournalHeader& header = *journal.header;
  const std::string directory = header.stream + "/part=" + std::to_string(header.partition) + "/";
  if (header.path != relative_path || relative_path.compare(0, directory.size(), directory) != 0) return plan;
  verify_records(inprogress_path, journal.records, plan.file_bytes, plan.keep_crc32c);
  if (journal.records.empty()) return plan;
  plan.header = std::move(*journal.header);
  plan.records = std::move(journal.records);
  plan.keep_bytes = plan.records.back().end_offset;
  return plan;
}

ManifestFile salvaged_entry(const SalvagePlan& plan) {
  ManifestFile entry;
  entry.stream = plan.header.stream;
  entry.partition = plan.header.partition;
  for (const parquet::ColumnDescriptor& column : plan.header.schema.columns)
    entry.columns.push_back(ColumnBytes{column.name, 0, 0});
  bool first = true;
  for (const JournalRecord& record : plan.records) {
    entry.rows += record.rows;
    entry.frames += record.frames;
    ++entry.row_groups;
    entry.step_min = first ? record.step_min : std::min(entry.step_min, record.step_min);
    entry.step_max = first ? record.step_max : std::max(entry.step_max, record.step_max);
    entry.time_min = first ? record.time_min : std::min(entry.time_min, record.time_min);
    entry.time_max = first ? record.time_max : std::max(entry.time_max, record.time_max);
    first = false;
    for (std::size_t c = 0; c < entry.columns.size(); ++c) {
      entry.columns[c].uncompressed_bytes += record.column_bytes[c].first;
      entry.columns[c].compressed_bytes += record.column_bytes[c].second;
    }
  }
  return entry;
}

std::optional<ManifestFile> plan_adoption(const std::string& final_path, const std::string& journal_path,
                                          const std::string& relative_path) {
  const SalvagePlan plan = plan_salvage(final_path, journal_path, relative_path);
  if (plan.records.empty()) return std::nullopt;
  FileChecksums checksums;
  try {
    checksums = compute_file_checksums(final_path);
  } catch (const Error& e) {
    if (e.status() != Status::corrupt) throw;
    return std::nullopt;
  }
  if (checksums.footer_bytes > plan.file_bytes || plan.keep_bytes != plan.file_bytes - checksums.footer_bytes)
    return std::nullopt;  // the journal does not reach the footer: some row group is not described
  ManifestFile entry = salvaged_entry(plan);
  entry.path = relative_path;
  entry.bytes = plan.file_bytes;
  entry.checksums = checksums;
  return entry;
}

}  // namespace simingest::storage
