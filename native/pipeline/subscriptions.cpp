// In-process subscriptions: the bounded queues and the delivery thread
// (subscriptions.hpp).
#include "pipeline/subscriptions.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "core/dtype.hpp"
#include "pipeline/stream_state.hpp"
#include "pipeline/thread_start.hpp"

namespace simingest::pipeline {

namespace {

// One queued frame: its columns packed into `bytes`, each at an offset
// aligned for any dtype.
struct Slot {
  int64_t step = 0;
  double time = 0;
  std::vector<std::size_t> lengths;  // elements, or SIMINGEST_SCALAR
  std::vector<std::size_t> offsets;
  std::vector<unsigned char> bytes;  // capacity kept from frame to frame
};

constexpr std::size_t kAlign = 8;

}  // namespace

struct Subscriber {
  uint32_t stream = 0;
  std::string stream_name;
  std::vector<std::string> names;
  std::vector<simingest_dtype> dtypes;
  std::vector<std::size_t> widths;
  SubscribeOptions options;
  simingest_subscription_callback callback = nullptr;
  void* user = nullptr;

  std::vector<Slot> ring;
  std::size_t head = 0, count = 0;
  uint64_t dropped_pending = 0;  // dropped since the last delivered frame: all older than the queue's head
  Slot delivering;                              // the frame in the callback
  std::vector<simingest_column> columns;        // its column table

  bool in_callback = false;       // a callback (frame or end) of this subscriber runs now
  bool cancel_requested = false;  // cancel() has it: the delivery thread leaves it alone
  bool ending = false;            // the end call is due (after what is queued)
  bool ended = false;             // the end call has run or runs now
  Status end_status = Status::ok;
  std::string end_message;
};

Status Subscription::cancel(std::string& message) noexcept { return hub_->cancel(*subscriber_, message); }

Subscriptions::~Subscriptions() { stop(); }

std::unique_ptr<Subscription> Subscriptions::subscribe(const StreamState& stream, const SubscribeOptions& options,
                                                       simingest_subscription_callback callback, void* user) {
  auto subscriber = std::make_shared<Subscriber>();
  subscriber->stream = stream.index;
  subscriber->stream_name = stream.config.name;
  const std::size_t ncolumns = stream.config.columns.size();
  for (const auto& column : stream.config.columns) {
    subscriber->names.push_back(column.name);
    subscriber->dtypes.push_back(static_cast<simingest_dtype>(column.dtype));
    subscriber->widths.push_back(dtype_size(column.dtype));
  }
  subscriber->options = options;
  subscriber->callback = callback;
  subscriber->user = user;
  subscriber->ring.resize(options.queue_frames);
  for (auto& slot : subscriber->ring) {
    slot.lengths.resize(ncolumns);
    slot.offsets.resize(ncolumns);
  }
  subscriber->delivering.lengths.resize(ncolumns);
  subscriber->delivering.offsets.resize(ncolumns);
  subscriber->columns.resize(ncolumns);
  auto subscription = std::make_unique<Subscription>(shared_from_this(), subscriber);

  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) throw Error(Status::closed, "the ingestor is closed");
  // Started by the first subscriber: an ingestor nobody follows has no such thread.
  if (!delivery_.joinable()) {
    delivery_ = start_thread("the subscription delivery thread", "si-subscribe", [this] { run_delivery(); });
    delivery_id_ = delivery_.get_id();
  }
  subscribers_.push_back(std::move(subscriber));
  active_.fetch_add(1, std::memory_order_release);
  return subscription;
}

void Subscriptions::publish_locked(const StreamState& stream, int64_t step, double time,
                                   const simingest_column* columns, const FrameShape& shape) noexcept {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& pointer : subscribers_) {
      Subscriber& s = *pointer;
      if (s.stream != stream.index || s.ending || s.cancel_requested) continue;
      if (s.options.has_from_step && step < s.options.from_step) continue;
      const std::size_t capacity = s.ring.size();
      if (s.count == capacity) {
        if (s.options.disconnect) {
          s.ending = true;
          s.end_status = Status::backpressure;
          try {
            s.end_message = "subscription to stream \"" + s.stream_name + "\": its queue of " +
                            std::to_string(capacity) + " frames is full; disconnected (policy disconnect)";
          } catch (const std::bad_alloc&) {
            // Out of memory: the end call still runs, its status says why.
          }
          ++disconnected_;
          queued = true;
          continue;
        }
        s.head = (s.head + 1) % capacity;  // dropOldest: the gap is reported with the next frame delivered
        --s.count;
        ++s.dropped_pending;
        ++dropped_;
      }
      Slot& slot = s.ring[(s.head + s.count) % capacity];
      std::size_t total = 0;
      for (std::size_t j = 0; j < s.names.size(); ++j) {
        const std::size_t length = columns[shape.slot[j]].length;
        slot.lengths[j] = length;
        slot.offsets[j] = total;
        const std::size_t bytes = (length == SIMINGEST_SCALAR ? 1 : length) * s.widths[j];
        total += (bytes + kAlign - 1) / kAlign * kAlign;
      }
      try {
        slot.bytes.resize(total);  // grows only until the largest frame has been seen
      } catch (const std::bad_alloc&) {
        ++s.dropped_pending;  // out of memory: this subscriber misses the frame, ingest goes on
        ++dropped_;
        continue;
      }
      for (std::size_t j = 0; j < s.names.size(); ++j) {
        const simingest_column& given = columns[shape.slot[j]];
        const std::size_t bytes = (given.length == SIMINGEST_SCALAR ? 1 : given.length) * s.widths[j];
        if (bytes != 0) std::memcpy(slot.bytes.data() + slot.offsets[j], given.data, bytes);
      }
      slot.step = step;
      slot.time = time;
      ++s.count;
      queued = true;
    }
  }
  if (queued) wake_.notify_one();
}

void Subscriptions::run_delivery() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::size_t next = 0;  // round robin: one busy subscriber does not starve the others
  for (;;) {
    std::shared_ptr<Subscriber> chosen;
    const std::size_t n = subscribers_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& candidate = subscribers_[(next + i) % n];
      if (candidate->in_callback || candidate->cancel_requested) continue;
      if (candidate->count > 0 || candidate->ending) {
        chosen = candidate;
        next = (next + i + 1) % n;
        break;
      }
    }
    if (!chosen) {
      if (stopping_) {
        // Everything queued is delivered: end whoever is left with `closed`.
        if (subscribers_.empty()) return;
        bool marked = false;
        for (const auto& s : subscribers_) {
          if (s->cancel_requested || s->ending) continue;
          s->ending = true;
          s->end_status = Status::closed;
          s->end_message = "the ingestor is closed";
          marked = true;
        }
        if (marked) continue;
      }
      wake_.wait(lock);  // cancel() and stop() notify too
      continue;
    }
    Subscriber& s = *chosen;
    if (s.count == 0) {
      end(lock, s);
      continue;
    }
    Slot& slot = s.ring[s.head];
    std::swap(slot.bytes, s.delivering.bytes);
    std::swap(slot.lengths, s.delivering.lengths);
    std::swap(slot.offsets, s.delivering.offsets);
    s.delivering.step = slot.step;
    s.delivering.time = slot.time;
    s.head = (s.head + 1) % s.ring.size();
    --s.count;
    const uint64_t dropped_before = s.dropped_pending;
    s.dropped_pending = 0;
    s.in_callback = true;
    lock.unlock();

    for (std::size_t j = 0; j < s.columns.size(); ++j)
      s.columns[j] = {s.names[j].c_str(), s.dtypes[j], s.delivering.bytes.data() + s.delivering.offsets[j],
                      s.delivering.lengths[j]};
    const simingest_subscription_frame frame{s.stream_name.c_str(), s.delivering.step, s.delivering.time,
                                             dropped_before, s.columns.data(), s.columns.size()};
    int result = 0;
    try {
      result = s.callback(s.user, &frame, SIMINGEST_OK, "");
    } catch (...) {
      result = -1;  // a C++ host's callback threw: contained, it ends the subscription
    }

    lock.lock();
    s.in_callback = false;
    ++delivered_;
    if (result != 0 && !s.ending) {
      s.ending = true;
      s.end_status = Status::ok;
      s.end_message = "the subscription callback returned " + std::to_string(result);
      s.count = 0;  // nothing more is delivered to a subscriber that said stop
    }
    idle_.notify_all();
  }
}

void Subscriptions::remove(Subscriber& subscriber) noexcept {
  for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) {
    if (it->get() != &subscriber) continue;
    subscribers_.erase(it);
    active_.fetch_sub(1, std::memory_order_release);
    return;
  }
}

void Subscriptions::end(std::unique_lock<std::mutex>& lock, Subscriber& subscriber) noexcept {
  // Keep it alive through the call: remove() drops the list's reference.
  std::shared_ptr<Subscriber> keep;
  for (const auto& s : subscribers_)
    if (s.get() == &subscriber) keep = s;
  remove(subscriber);
  subscriber.ended = true;
  subscriber.in_callback = true;
  subscriber.count = 0;
  const auto status = static_cast<simingest_status>(subscriber.end_status);
  // Moved, not copied: a copy could throw here, and nothing reads it after the end call.
  const std::string message = std::move(subscriber.end_message);
  lock.unlock();
  try {
    subscriber.callback(subscriber.user, nullptr, status, message.c_str());
  } catch (...) {
    // Nothing follows the end call: what it threw has nowhere to go.
  }
  lock.lock();
  subscriber.in_callback = false;
  idle_.notify_all();
}

Status Subscriptions::cancel(Subscriber& subscriber, std::string& message) noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  if (std::this_thread::get_id() == delivery_id_) {
    message = "simingest_unsubscribe was called from a subscription callback; return nonzero from the callback "
              "to end the subscription";
    return Status::invalid_argument;
  }
  if (subscriber.cancel_requested) {
    message = "the subscription is already unsubscribed";
    return Status::invalid_argument;
  }
  subscriber.cancel_requested = true;
  idle_.wait(lock, [&] { return !subscriber.in_callback; });
  if (subscriber.ended) return Status::ok;  // ended before (close, disconnect): its end call has run
  if (!subscriber.ending) {  // else the end already due keeps its status and message
    subscriber.end_status = Status::ok;
    try {
      subscriber.end_message = "unsubscribed";
    } catch (const std::bad_alloc&) {
      // The message stays as it was: the end call still runs.
    }
    subscriber.ending = true;
  }
  end(lock, subscriber);  // on this thread: when cancel returns, the callback is done with
  lock.unlock();
  wake_.notify_all();  // a stopping delivery thread may wait for this one to leave
  return Status::ok;
}

void Subscriptions::stop() noexcept {
  std::thread delivery;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    delivery = std::move(delivery_);
  }
  wake_.notify_all();
  if (delivery.joinable()) delivery.join();
  // A later thread may get the same id: it must not count as the delivery thread in cancel().
  std::lock_guard<std::mutex> lock(mutex_);
  delivery_id_ = std::thread::id();
}

Subscriptions::Totals Subscriptions::totals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Totals totals;
  totals.subscribers = subscribers_.size();
  totals.delivered = delivered_;
  totals.dropped = dropped_;
  totals.disconnected = disconnected_;
  for (const auto& s : subscribers_) {
    totals.queued += s->count;
    if (s->count > totals.max_queued) totals.max_queued = s->count;
  }
  return totals;
}

}  // namespace simingest::pipeline
