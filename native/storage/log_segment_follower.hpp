// Reading one realtime log segment while its writer appends to it (another
// process, usually): query/log_tail.cpp follows a stream's segments with it.
//
// The follower owns a read-only descriptor of the file, so a segment it has
// opened stays readable even after compaction unlinks it. Each next() reads
// what was appended since the last call (pread from where it stopped) and
// returns the next record of a complete block. A header or block the file
// ends inside is waited for (the writer appends a block with one write(), so
// a reader may see part of it for a moment; a writer killed mid-write leaves
// it until the next open's recovery cuts it). A complete block that does not
// check out (sync marker, codec, records that do not fill it exactly), bytes
// that are not an Avro container, or a file that shrank below what was
// already read is damage: next() says what and at which byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "storage/avro_binary.hpp"
#include "storage/avro_container.hpp"
#include "storage/avro_frame_decoder.hpp"

namespace simingest::storage::avro {

class LogSegmentFollower {
 public:
  // Takes `fd` (open for reading, at any offset) and closes it.
  LogSegmentFollower(int fd, std::string path, const StreamConfig& stream);
  ~LogSegmentFollower();
  LogSegmentFollower(const LogSegmentFollower&) = delete;
  LogSegmentFollower& operator=(const LogSegmentFollower&) = delete;

  enum class Next { frame, wait, damaged };

  // The next record into `frame`; wait: the file ends (for now) at a block
  // boundary or inside the header or a block; damaged: `reason` says what.
  // Throws Error(io) when reading fails.
  Next next(DecodedFrame& frame, std::string& reason);

  // Moves past every complete block in the file now without decoding its
  // records (a subscription that starts from now). Returns wait or damaged.
  Next skip_present(std::string& reason);

  // Whether the header has been read.
  bool header_complete() const noexcept { return header_done_; }
  // The file offset after the last whole block taken (after the header: the
  // first block's offset).
  uint64_t boundary() const noexcept { return boundary_; }
  // The file's size now (fstat). Throws Error(io).
  uint64_t size_now() const;
  const std::string& path() const noexcept { return path_; }

 private:
  enum class Take { block, wait, damaged };
  // Reads the header if needed, then one whole block into block_ (decoded
  // when `decode`). Refills from the file when the buffer ends inside one.
  Take take_block(bool decode, std::string& reason);
  // Appends what the file holds past buffer_; false if nothing new.
  bool refill(std::string& reason, bool& shrank);

  int fd_;
  std::string path_;
  std::string schema_;
  std::vector<Primitive> columns_;
  FrameDecoder decoder_;
  std::unique_ptr<BlockCodec> codec_;
  SyncMarker sync_{};
  bool header_done_ = false;
  Bytes buffer_;              // file bytes from `buffer_offset_`
  uint64_t buffer_offset_ = 0;
  uint64_t boundary_ = 0;     // == buffer_offset_ + bytes of buffer_ consumed
  std::size_t consumed_ = 0;  // bytes of buffer_ before boundary_
  Bytes plain_;               // the current block's records, decompressed
  Cursor records_{nullptr, 0};
  int64_t records_left_ = 0;
};

}  // namespace simingest::storage::avro
