#include "storage/verify.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/durable_io.hpp"
#include "storage/layout.hpp"

namespace simingest::storage {

namespace {

constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
constexpr uint64_t kMinimumParquetBytes = 12;  // "PAR1", footer length, "PAR1"
constexpr std::size_t kReadChunk = 1u << 20;

// A committed file opened for reading. Every read names an offset and a
// length already checked against the size taken at open; a read that comes
// back short means the file shrank meanwhile and is reported, never used.
class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(std::string path) : path_(std::move(path)) {
    fd_ = FileDescriptor(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd_.get() < 0) throw io_error("open " + path_, errno);
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0) throw io_error("stat " + path_, errno);
    if (!S_ISREG(st.st_mode)) throw io_error("open " + path_, EINVAL);
    size_ = static_cast<uint64_t>(st.st_size);
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }

  uint64_t size() const noexcept { return size_; }
  const std::string& path() const noexcept { return path_; }

  // Reads exactly `length` bytes at `offset` (offset + length <= size()).
  // False if the file ended first.
  bool read_exactly(void* data, std::size_t length, uint64_t offset) {
    auto* bytes = static_cast<unsigned char*>(data);
    while (length > 0) {
      ssize_t got = ::pread(fd_.get(), bytes, length, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        throw io_error("read " + path_, errno);
      }
      if (got == 0) return false;
      bytes += got;
      offset += static_cast<uint64_t>(got);
      length -= static_cast<std::size_t>(got);
    }
    return true;
  }

  // CRC-32C of `length` bytes at `offset`, read in 1 MiB pieces. False if the
  // file ended first.
  bool crc32c_of(uint64_t offset, uint64_t length, uint32_t& crc) {
    buffer_.resize(static_cast<std::size_t>(std::min<uint64_t>(length, kReadChunk)));
    crc = 0;
    while (length > 0) {
      const auto piece = static_cast<std::size_t>(std::min<uint64_t>(length, buffer_.size()));
      if (!read_exactly(buffer_.data(), piece, offset)) return false;
      crc = kernels::crc32c_extend(crc, buffer_.data(), piece);
      offset += piece;
      length -= piece;
    }
    return true;
  }

 private:
  std::string path_;
  FileDescriptor fd_;
  uint64_t size_ = 0;
  std::vector<unsigned char> buffer_;
};

constexpr const char* kShrank = "truncated while being read";

// Why `file` is not framed as a Parquet file ("PAR1" … footer, length,
// "PAR1"), or an empty string with `footer_bytes` (FileMetaData length + 8).
std::string check_framing(ReadOnlyFile& file, uint64_t& footer_bytes) {
  const uint64_t size = file.size();
  if (size < kMinimumParquetBytes) return "too short for Parquet: " + std::to_string(size) + " bytes";
  unsigned char head[4], tail[8];
  if (!file.read_exactly(head, sizeof head, 0) || !file.read_exactly(tail, sizeof tail, size - sizeof tail))
    return kShrank;
  if (std::memcmp(head, kMagic, 4) != 0) return "leading magic is not PAR1";
  if (std::memcmp(tail + 4, kMagic, 4) != 0) return "trailing magic is not PAR1";
  const uint64_t length = uint64_t{tail[0]} | uint64_t{tail[1]} << 8 | uint64_t{tail[2]} << 16 |
                          uint64_t{tail[3]} << 24;
  if (length == 0 || length > size - kMinimumParquetBytes)
    return "footer length " + std::to_string(length) + " out of bounds for " + std::to_string(size) + " bytes";
  footer_bytes = length + 8;
  return "";
}

// The footer checksums of a well-framed file, or the reason they cannot be had.
std::string footer_checksums(ReadOnlyFile& file, uint64_t& footer_bytes, uint32_t& footer_crc) {
  std::string reason = check_framing(file, footer_bytes);
  if (!reason.empty()) return reason;
  if (!file.crc32c_of(file.size() - footer_bytes, footer_bytes, footer_crc)) return kShrank;
  return "";
}

}  // namespace

std::string check_committed_file(const std::string& root, const ManifestFile& entry, bool verify_full) {
  // A committed file replaced by a link, a directory, a FIFO, … is damage
  // like any other (docs/adr/0011-no-symlinks-inside-a-dataset.md).
  const std::string path = root + "/" + entry.path;
  const EntryKind kind = entry_kind(path);
  if (kind != EntryKind::regular) return "not a regular file: " + describe_entry(path);
  ReadOnlyFile file(path);
  const uint64_t size = file.size();
  if (size < entry.bytes)
    return "truncated: " + std::to_string(size) + " of " + std::to_string(entry.bytes) + " bytes";
  if (size > entry.bytes)
    return "grew: " + std::to_string(size) + " bytes, manifest lists " + std::to_string(entry.bytes);

  uint64_t footer_bytes = 0;
  std::string reason = check_framing(file, footer_bytes);
  if (!reason.empty() || !entry.checksums) return reason;  // an older entry: framing is all we can check

  const FileChecksums& expected = *entry.checksums;
  if (footer_bytes != expected.footer_bytes)
    return "footer length mismatch (file " + std::to_string(footer_bytes) + " bytes, manifest " +
           std::to_string(expected.footer_bytes) + ")";
  uint32_t crc = 0;
  if (!file.crc32c_of(size - footer_bytes, footer_bytes, crc)) return kShrank;
  if (crc != expected.footer_crc32c)
    return "footer CRC-32C mismatch (file " + checksum_text(crc) + ", manifest " +
           checksum_text(expected.footer_crc32c) + ")";
  if (!verify_full) return "";
  if (!file.crc32c_of(0, size, crc)) return kShrank;
  if (crc != expected.crc32c)
    return "CRC-32C mismatch (file " + checksum_text(crc) + ", manifest " + checksum_text(expected.crc32c) +
           ")";
  return "";
}

FileChecksums finished_file_checksums(const std::string& path, uint64_t size, uint32_t crc32c) {
  ReadOnlyFile file(path);
  FileChecksums checksums;
  checksums.crc32c = crc32c;
  std::string reason =
      file.size() != size
          ? "size " + std::to_string(file.size()) + " bytes, written " + std::to_string(size)
          : footer_checksums(file, checksums.footer_bytes, checksums.footer_crc32c);
  if (!reason.empty()) throw Error(Status::internal, path + ": finished file is not Parquet: " + reason);
  return checksums;
}

FileChecksums compute_file_checksums(const std::string& path) {
  ReadOnlyFile file(path);
  FileChecksums checksums;
  std::string reason = footer_checksums(file, checksums.footer_bytes, checksums.footer_crc32c);
  if (reason.empty() && !file.crc32c_of(0, file.size(), checksums.crc32c)) reason = kShrank;
  if (!reason.empty()) throw Error(Status::corrupt, path + ": " + reason);
  return checksums;
}

std::string move_to_quarantine(const std::string& root, const std::string& relative_path) {
  const std::string target = std::string(kQuarantineDirectory) + "/" + relative_path;
  std::string moved_to = target;
  for (int n = 1; path_exists(root + "/" + moved_to); ++n) moved_to = target + "." + std::to_string(n);
  const std::string from = root + "/" + relative_path;
  const std::string to = root + "/" + moved_to;
  make_directories_inside(root, parent_directory(to));
  rename_path(from, to);
  // The new name first: at every moment the file is durable under one of them.
  fsync_directory(parent_directory(to));
  fsync_directory(parent_directory(from));
  return moved_to;
}

std::vector<QuarantinedFile> quarantine_corrupt_files(const std::string& root, std::vector<ManifestFile>& files,
                                                      bool verify_full) {
  std::vector<QuarantinedFile> quarantined;
  for (std::size_t i = 0; i < files.size();) {
    std::string reason = check_committed_file(root, files[i], verify_full);
    if (reason.empty()) {
      ++i;
      continue;
    }
    QuarantinedFile moved;
    moved.path = files[i].path;
    moved.reason = std::move(reason);
    moved.frames_lost = files[i].frames;
    // If the move throws, `files` still lists the file as it is on disk.
    moved.moved_to = move_to_quarantine(root, files[i].path);
    quarantined.push_back(std::move(moved));
    files.erase(files.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return quarantined;
}

std::string quarantine_message(const std::string& root, const std::vector<QuarantinedFile>& quarantined) {
  const bool one = quarantined.size() == 1;
  std::string message = root + ": " + std::to_string(quarantined.size()) +
                        (one ? " corrupt file" : " corrupt files") + " quarantined; the dataset is consistent without " +
                        (one ? "it" : "them") + " and opens again";
  for (const QuarantinedFile& file : quarantined) {
    message += "; " + file.path + ": " + file.reason + ", moved to " + file.moved_to;
    if (file.frames_lost > 0)
      message += " (" + std::to_string(file.frames_lost) + (file.frames_lost == 1 ? " frame" : " frames") + " lost)";
  }
  return message;
}

}  // namespace simingest::storage
