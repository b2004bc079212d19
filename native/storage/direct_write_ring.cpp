#include "storage/direct_write_ring.hpp"

#ifdef SIMINGEST_HAVE_LIBURING
#include <liburing.h>
#include <unistd.h>

#include <cerrno>

#include "core/status.hpp"
#endif

namespace simingest::storage {

#ifdef SIMINGEST_HAVE_LIBURING
namespace {

class LiburingRing final : public DirectWriteRing {
 public:
  ~LiburingRing() override {
    // A write still in flight would complete into freed buffers: drain first.
    for (unsigned slot = 0; slot < kSlots; ++slot) {
      try {
        wait(slot);
      } catch (...) {
        // The file is being dropped after a failure already reported.
      }
    }
    io_uring_queue_exit(&ring_);
  }
  bool init() { return io_uring_queue_init(kSlots * 2, &ring_, 0) == 0; }

  void submit(unsigned slot, int fd, const unsigned char* bytes, std::size_t size, uint64_t offset,
              const std::string& path) override {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) throw io_error("io_uring submit " + path, EBUSY);
    io_uring_prep_write(sqe, fd, bytes, static_cast<unsigned>(size), offset);
    io_uring_sqe_set_data(sqe, &slots_[slot]);
    slots_[slot] = Slot{true, fd, bytes, size, offset, path};
    const int rc = io_uring_submit(&ring_);
    if (rc < 0) {
      slots_[slot].busy = false;
      throw io_error("io_uring submit " + path, -rc);
    }
  }

  void wait(unsigned slot) override {
    while (slots_[slot].busy) {
      io_uring_cqe* cqe = nullptr;
      const int rc = io_uring_wait_cqe(&ring_, &cqe);
      if (rc == -EINTR) continue;
      if (rc < 0) throw io_error("io_uring wait " + slots_[slot].path, -rc);
      Slot& done = *static_cast<Slot*>(io_uring_cqe_get_data(cqe));
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      done.busy = false;
      if (res < 0) throw io_error("write " + done.path, -res);
      finish_short_write(done, static_cast<std::size_t>(res));
    }
  }

 private:
  struct Slot {
    bool busy = false;
    int fd = -1;
    const unsigned char* bytes = nullptr;
    std::size_t size = 0;
    uint64_t offset = 0;
    std::string path;
  };

  static void finish_short_write(const Slot& slot, std::size_t written) {
    while (written < slot.size) {
      const ssize_t n = ::pwrite(slot.fd, slot.bytes + written, slot.size - written,
                                 static_cast<off_t>(slot.offset + written));
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error("write " + slot.path, errno);
      }
      written += static_cast<std::size_t>(n);
    }
  }

  io_uring ring_{};
  Slot slots_[kSlots];
};

}  // namespace

std::unique_ptr<DirectWriteRing> DirectWriteRing::create() {
  auto ring = std::make_unique<LiburingRing>();
  if (!ring->init()) return nullptr;
  return ring;
}
#else
std::unique_ptr<DirectWriteRing> DirectWriteRing::create() { return nullptr; }
#endif

}  // namespace simingest::storage
