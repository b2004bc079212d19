// A bounded lock-free multi-producer multi-consumer queue (the array-based
// design with a sequence number per cell, after Dmitry Vyukov). Host threads
// push frames, worker threads pop them; neither side takes a lock.
//
// Invariant: cell i is free for the producer whose ticket is t when
// cell.sequence == t, and holds a value for the consumer whose ticket is t
// when cell.sequence == t + 1.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

namespace simingest::pipeline {

template <typename T>
class MpmcQueue {
  static_assert(std::is_trivially_copyable_v<T>, "MpmcQueue holds plain values (pointers)");

 public:
  // capacity is rounded up to a power of two (at least 2).
  explicit MpmcQueue(std::size_t capacity) {
    std::size_t size = 2;
    while (size < capacity) size <<= 1;
    mask_ = size - 1;
    cells_ = std::make_unique<Cell[]>(size);
    for (std::size_t i = 0; i < size; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }
  MpmcQueue(const MpmcQueue&) = delete;
  MpmcQueue& operator=(const MpmcQueue&) = delete;

  // False when the queue is full.
  bool try_push(const T& value) noexcept {
    std::size_t position = enqueue_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::size_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference = static_cast<std::ptrdiff_t>(sequence) - static_cast<std::ptrdiff_t>(position);
      if (difference == 0) {
        if (enqueue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          cell.value = value;
          cell.sequence.store(position + 1, std::memory_order_release);
          return true;
        }
      } else if (difference < 0) {
        return false;
      } else {
        position = enqueue_.load(std::memory_order_relaxed);
      }
    }
  }

  // False when the queue is empty.
  bool try_pop(T& value) noexcept {
    std::size_t position = dequeue_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[position & mask_];
      const std::size_t sequence = cell.sequence.load(std::memory_order_acquire);
      const auto difference =
          static_cast<std::ptrdiff_t>(sequence) - static_cast<std::ptrdiff_t>(position + 1);
      if (difference == 0) {
        if (dequeue_.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) {
          value = cell.value;
          cell.sequence.store(position + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (difference < 0) {
        return false;
      } else {
        position = dequeue_.load(std::memory_order_relaxed);
      }
    }
  }

  // Approximate number of queued values (exact when no push or pop is running).
  std::size_t size_approx() const noexcept {
    const std::size_t in = enqueue_.load(std::memory_order_relaxed);
    const std::size_t out = dequeue_.load(std::memory_order_relaxed);
    return in >= out ? in - out : 0;
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  struct alignas(64) Cell {
    std::atomic<std::size_t> sequence{0};
    T value{};
  };
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_ = 0;
  alignas(64) std::atomic<std::size_t> enqueue_{0};
  alignas(64) std::atomic<std::size_t> dequeue_{0};
};

}  // namespace simingest::pipeline
