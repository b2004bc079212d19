// One stream's sequencer: frames arrive from the workers in any order and
// leave in ingest order (`Frame::seq`), where consecutive data frames of one
// partition gather into a row group.
//
// Invariant: frames leave exactly once, in seq order: `next_expected_` is the
// seq of the next frame to leave and `pending_` holds those that came early.
// `building_` holds consecutive data frames of one partition, below the
// row-group target and charge cap; it is sealed by a frame of another
// partition, a barrier (which also closes the file), a seal marker, or the
// target. Sealed row groups are numbered consecutively (`next_row_group_`);
// a query marker takes a number too (an empty row group carrying the query,
// query_ticket.hpp) after holding the frames of the open row group.
// Lock: `mutex_` guards all of it. The sink is called with it held, so one
// stream's row groups are handed on in their order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <vector>

#include "pipeline/frame.hpp"
#include "pipeline/query_ticket.hpp"
#include "pipeline/row_group.hpp"
#include "storage/row_group_index.hpp"

namespace simingest::pipeline {

class StreamSequencer {
 public:
  struct Limits {
    uint64_t row_group_target;  // raw bytes that seal a row group
    uint64_t charge_cap;        // budget charge that seals a row group
  };

  // Takes one frame or marker. The sink (a template parameter: no virtual
  // call per frame) gets
  //   sink.sealed(std::unique_ptr<RowGroup>)  for each row group cut, in order;
  //   sink.seal_marker_done()                 for each seal marker passed.
  template <class Sink>
  void accept(Frame* frame, uint32_t stream, const Limits& limits, Sink& sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push(frame);
    while (!pending_.empty() && pending_.top()->seq == next_expected_) {
      Frame* next = pending_.top();
      pending_.pop();
      ++next_expected_;
      if (next->kind == Frame::Kind::barrier) {
        FlushTicket* ticket = next->ticket;
        BufferPool::free(next->buffer);  // markers are never charged
        seal(stream, /*close_file=*/true, ticket, sink);
        continue;
      }
      if (next->kind == Frame::Kind::seal) {
        BufferPool::free(next->buffer);  // markers are never charged
        if (building_) seal(stream, /*close_file=*/false, nullptr, sink);
        sink.seal_marker_done();
        continue;
      }
      if (next->kind == Frame::Kind::query) {
        QueryTicket* ticket = next->query;
        BufferPool::free(next->buffer);  // markers are never charged
        capture_open_frames(*ticket);
        // The marker goes on as an empty row group numbered before the open
        // one, so the commit thread reaches it once everything sealed
        // before it is written, and before the frames just captured are.
        auto marker = std::make_unique<RowGroup>();
        marker->stream = stream;
        marker->seq = next_row_group_++;
        marker->query = ticket;
        sink.sealed(std::move(marker));
        continue;
      }
      if (building_ && building_->partition != next->partition) seal(stream, /*close_file=*/true, nullptr, sink);
      if (!building_) {
        building_ = std::make_unique<RowGroup>();
        building_->stream = stream;
        building_->partition = next->partition;
        building_->step_min = next->step_min;
        building_->step_max = next->step_max;
        building_->time_min = next->time_min;
        building_->time_max = next->time_max;
      }
      RowGroup& group = *building_;
      group.frames.push_back(next);
      // An appended row counts as a frame (ADR 0021), here and in the counters.
      group.frame_count += next->row_steps != nullptr ? next->rows : 1;
      group.rows += next->rows;
      group.bytes_in += next->bytes_in;
      group.raw_bytes += next->bytes_in + 16 * next->rows;
      group.encode_reserve += next->encode_reserve;
      group.charge += next->buffer_charge + next->encode_reserve;
      group.step_min = std::min(group.step_min, next->step_min);
      group.step_max = std::max(group.step_max, next->step_max);
      group.time_min = std::min(group.time_min, next->time_min);
      group.time_max = std::max(group.time_max, next->time_max);
      // Small frames cost more budget than their bytes: cap the charge too, so
      // a row group never holds more than a quarter of the budget.
      if (group.raw_bytes >= limits.row_group_target || group.charge >= limits.charge_cap)
        seal(stream, /*close_file=*/false, nullptr, sink);
    }
  }

 private:
  struct SeqGreater {
    bool operator()(const Frame* a, const Frame* b) const noexcept { return a->seq > b->seq; }
  };

  // Cuts the row group being built (or, with none, a marker that closes the
  // stream's open file) and hands it to the sink. Called with mutex_ held.
  template <class Sink>
  void seal(uint32_t stream, bool close_file, FlushTicket* ticket, Sink& sink) {
    std::unique_ptr<RowGroup> group = std::move(building_);
    if (!group) {
      group = std::make_unique<RowGroup>();  // a marker: close the open file
      group->stream = stream;
    }
    record_frame_spans(*group);
    group->seq = next_row_group_++;
    group->close_file = close_file;
    if (ticket != nullptr) group->tickets.push_back(ticket);
    sink.sealed(std::move(group));
  }

  // The spans the commit's time index records (commit_writer.cpp), taken
  // while the frames' buffers are still held: none unless the index keeps
  // frames for this row group (storage::records_frames), so a row group of
  // appended rows (each row a frame, ADR 0021) costs nothing per row here.
  static void record_frame_spans(RowGroup& group) {
    if (!storage::records_frames(static_cast<int64_t>(group.rows), static_cast<int64_t>(group.frame_count))) return;
    group.frame_spans.reserve(group.frame_count);
    for (const Frame* frame : group.frames) {
      if (frame->row_steps != nullptr) {
        // Appended rows are each a frame of the index (a row of its own step and time).
        for (uint64_t r = 0; r < frame->rows; ++r)
          group.frame_spans.push_back(FrameSpan{frame->row_steps[r], frame->row_times[r], 1});
      } else {
        group.frame_spans.push_back(FrameSpan{frame->step, frame->time, frame->rows});
      }
    }
  }

  // The open row group's frames, held for a query (query_ticket.hpp): they
  // cannot be released meanwhile, since a frame is released only after its
  // row group is sealed, and sealing takes mutex_.
  void capture_open_frames(QueryTicket& ticket) {
    if (!building_) return;
    ticket.frames.reserve(building_->frames.size());
    for (Frame* frame : building_->frames) {
      frame->holds.fetch_add(1, std::memory_order_relaxed);
      ticket.frames.push_back(frame);
    }
  }

  std::mutex mutex_;
  uint64_t next_expected_ = 0;
  std::priority_queue<Frame*, std::vector<Frame*>, SeqGreater> pending_;
  std::unique_ptr<RowGroup> building_;
  uint64_t next_row_group_ = 0;
};

}  // namespace simingest::pipeline
