#include "storage/dataset_identity.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "core/status.hpp"

namespace simingest::storage {

namespace {

constexpr const char* kPieces[] = {"the dataset directory", "_simingest/", "_simingest/lock"};

std::string piece_path(const std::string& root, int piece) {
  switch (piece) {
    case 0: return root;
    case 1: return root + "/_simingest";
    default: return root + "/_simingest/lock";
  }
}

}  // namespace

DatasetIdentity DatasetIdentity::capture(const std::string& root, int lock_fd) {
  DatasetIdentity identity;
  struct stat st {};
  for (int piece = 0; piece < 2; ++piece) {
    const std::string path = piece_path(root, piece);
    if (::lstat(path.c_str(), &st) != 0) throw io_error("stat " + path, errno);
    (piece == 0 ? identity.root_ : identity.meta_) = Inode{st.st_dev, st.st_ino};
  }
  if (::fstat(lock_fd, &st) != 0) throw io_error("stat " + piece_path(root, 2), errno);
  identity.lock_ = Inode{st.st_dev, st.st_ino};
  identity.captured_ = true;
  return identity;
}

void DatasetIdentity::check(const std::string& root) const {
  if (!captured_) return;
  const Inode* recorded[] = {&root_, &meta_, &lock_};
  for (int piece = 0; piece < 3; ++piece) {
    struct stat st {};
    const std::string path = piece_path(root, piece);
    // lstat: a symlink put in place of a piece is a replacement too.
    const bool gone = ::lstat(path.c_str(), &st) != 0;
    if (gone && errno != ENOENT && errno != ENOTDIR)
      throw io_error("stat " + path, errno);  // cannot tell: not a verdict on the dataset
    if (gone || st.st_dev != recorded[piece]->device || st.st_ino != recorded[piece]->inode)
      throw Error(Status::dataset_lost,
                  "dataset " + root + ": " + kPieces[piece] + (gone ? " was removed" : " was replaced") +
                      " since this ingestor opened it (its lock no longer guards this path); nothing more is "
                      "committed");
  }
}

}  // namespace simingest::storage
