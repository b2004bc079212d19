#include "storage/log_segment_follower.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/status.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_log_scan.hpp"

namespace simingest::storage::avro {

LogSegmentFollower::LogSegmentFollower(int fd, std::string path, const StreamConfig& stream)
    : fd_(fd),
      path_(std::move(path)),
      schema_(log_schema_json(stream)),
      columns_(log_column_types(stream)),
      decoder_(stream) {}

LogSegmentFollower::~LogSegmentFollower() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t LogSegmentFollower::size_now() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw Error(Status::io, path_ + ": fstat: " + std::strerror(errno));
  return static_cast<uint64_t>(st.st_size);
}

bool LogSegmentFollower::refill(std::string& reason, bool& shrank) {
  shrank = false;
  // Drop what was consumed first, so the buffer holds one partial piece at most.
  if (consumed_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    buffer_offset_ += consumed_;
    consumed_ = 0;
  }
  const uint64_t size = size_now();
  const uint64_t have = buffer_offset_ + buffer_.size();
  if (size < have) {
    // Bytes past the last whole block may be cut by recovery (a torn tail);
    // anything shorter than what was delivered means the file was damaged.
    if (size >= boundary_) {
      buffer_.resize(static_cast<std::size_t>(size - buffer_offset_));
      return false;
    }
    shrank = true;
    reason = "the file shrank to " + std::to_string(size) + " bytes, below the " + std::to_string(boundary_) +
             " already read";
    return false;
  }
  // Exactly the bytes fstat reported: no probing read for the end of the
  // file, and no buffer grown past them. Bytes appended after the fstat are
  // the next refill's (the watch has an event queued for them).
  const std::size_t start = buffer_.size();
  buffer_.resize(start + static_cast<std::size_t>(size - have));
  std::size_t at = start;
  while (at < buffer_.size()) {
    const ssize_t got = ::pread(fd_, buffer_.data() + at, buffer_.size() - at, static_cast<off_t>(buffer_offset_ + at));
    if (got < 0) {
      const int error = errno;
      if (error == EINTR) continue;
      buffer_.resize(at);
      throw Error(Status::io, path_ + ": read: " + std::strerror(error));
    }
    if (got == 0) break;  // cut meanwhile (recovery of a torn tail): the next refill sees the size
    at += static_cast<std::size_t>(got);
  }
  buffer_.resize(at);
  return at > start;
}

LogSegmentFollower::Take LogSegmentFollower::take_block(bool decode, std::string& reason) {
  using Outcome = LogScan::Outcome;
  for (;;) {
    Cursor cursor(buffer_.data() + consumed_, buffer_.size() - consumed_);
    Outcome outcome = Outcome::torn;
    LogBlock block;
    if (cursor.remaining() > 0) {
      if (!header_done_) {
        LogHeader header;
        outcome = read_log_header(cursor, schema_, header, reason);
        if (outcome == Outcome::clean) {
          header_done_ = true;
          sync_ = header.sync;
          codec_ = std::make_unique<BlockCodec>(header.codec);
          consumed_ += cursor.offset();
          boundary_ = buffer_offset_ + consumed_;
          continue;
        }
      } else {
        outcome = read_log_block(cursor, sync_, block, reason);
      }
    }
    if (outcome == Outcome::damaged) {
      reason = path_ + ": " + reason;
      return Take::damaged;
    }
    if (outcome == Outcome::torn) {
      bool shrank = false;
      if (refill(reason, shrank)) continue;
      if (shrank) {
        reason = path_ + ": " + reason;
        return Take::damaged;
      }
      return Take::wait;
    }
    auto at = [this] { return " at byte " + std::to_string(boundary_); };  // failures only
    if (decode) {
      if (!codec_->decompress(block.data, block.size, plain_)) {
        reason = path_ + ": block does not decompress (" + codec_name(codec_->codec()) + ")" + at();
        return Take::damaged;
      }
      if (!records_fit(plain_.data(), plain_.size(), block.count, columns_)) {
        reason = path_ + ": malformed records in the block" + at();
        return Take::damaged;
      }
      records_ = Cursor(plain_.data(), plain_.size());
      records_left_ = block.count;
    }
    consumed_ += cursor.offset();
    boundary_ = buffer_offset_ + consumed_;
    return Take::block;
  }
}

LogSegmentFollower::Next LogSegmentFollower::next(DecodedFrame& frame, std::string& reason) {
  while (records_left_ == 0) {
    switch (take_block(true, reason)) {
      case Take::block: break;
      case Take::wait: return Next::wait;
      case Take::damaged: return Next::damaged;
    }
  }
  --records_left_;
  if (!decoder_.decode(records_, frame)) {
    // records_fit() checked the structure; a value outside its dtype's range is what is left.
    reason = path_ + ": a record holds a value outside its column's dtype (block ending at byte " +
             std::to_string(boundary_) + ")";
    records_left_ = 0;
    return Next::damaged;
  }
  return Next::frame;
}

LogSegmentFollower::Next LogSegmentFollower::skip_present(std::string& reason) {
  records_left_ = 0;
  for (;;) {
    switch (take_block(false, reason)) {
      case Take::block: break;
      case Take::wait: return Next::wait;
      case Take::damaged: return Next::damaged;
    }
  }
}

}  // namespace simingest::storage::avro
