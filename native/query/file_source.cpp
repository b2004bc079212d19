#include "query/file_source.hpp"

#include "core/status.hpp"

namespace simingest::query {

FileSource::FileSource(const FilePart& part) : storage::FileSource(part.path, part.path, part.fd) {
  if (!regular()) throw Error(Status::io, "query: " + part.path + " is not a regular file");
}

}  // namespace simingest::query
