#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "core/status.hpp"
#include "kernels/crc32c.hpp"
#include "storage/dataset.hpp"
#include "storage/durable_io.hpp"
#include "storage/file_ops.hpp"

namespace simingest::storage {

PendingFile::~PendingFile() {
  FileOps& ops = file_ops();
  if (fd_ >= 0) ops.close(fd_);
  if (journal_fd_ >= 0) ops.close(journal_fd_);
  // An uncommitted file must not survive its writer: recovery would delete it
  // anyway, but a long-running ingestor should not leave litter until then.
  if (!committed_ && remove_if_uncommitted_ && !inprogress_path_.empty()) {
    ops.unlink(inprogress_path_.c_str());
    if (!journal_path_.empty()) ops.unlink(journal_path_.c_str());
  }
}

void PendingFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw Error(Status::internal, inprogress_path_ + ": write to a closed file");
  const auto* bytes = static_cast<const unsigned char*>(data);
  crc32c_ = kernels::crc32c_extend(crc32c_, bytes, size);
  appender_->append(bytes, size);
  size_ += size;
}

void PendingFile::flush_buffer() { appender_->hand_over(); }

void PendingFile::journal_row_group(JournalRecord& record) {
  if (journal_fd_ < 0) throw Error(Status::internal, inprogress_path_ + ": file has no journal");
  // The record may only describe bytes the kernel already has: a crash that
  // keeps the record then keeps them too (or the data CRC tells otherwise).
  flush_buffer();
  record.index = journaled_row_groups_;
  record.end_offset = size_;
  record.data_crc = crc32c_;
  journal_buffer_.clear();
  append_journal_record(record, journal_buffer_);
  write_all(journal_fd_, journal_buffer_.data(), journal_buffer_.size(), journal_path_);
  ++journaled_row_groups_;
}

int PendingFile::open_for_reading() const {
  const int fd = ::open(inprogress_path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw Error(Status::io, inprogress_path_ + ": cannot open for reading: " + std::strerror(errno));
  return fd;
}

}  // namespace simingest::storage
