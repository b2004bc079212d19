#include "query/arrow_export.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace simingest::query {

namespace {

constexpr std::size_t kAlignment = 64;

// ---- schema ------------------------------------------------------------------

// Private data of one schema node: the storage of its name and of its
// children (the parent's), which the release callback frees.
struct SchemaNode {
  std::string name;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> pointers;
};

void release_schema(ArrowSchema* schema) {
  auto* node = static_cast<SchemaNode*>(schema->private_data);
  for (ArrowSchema* child : node->pointers)
    if (child->release != nullptr) child->release(child);
  delete node;
  schema->release = nullptr;
}

void fill_schema(ArrowSchema* out, const char* format, std::string name, std::size_t n_children,
                 bool nullable = false) {
  auto node = std::make_unique<SchemaNode>();
  node->name = std::move(name);
  node->children.resize(n_children);
  for (ArrowSchema& child : node->children) node->pointers.push_back(&child);
  *out = ArrowSchema{};
  out->format = format;
  out->name = node->name.c_str();
  out->metadata = nullptr;
  // Nullable only for a column some schema version lacks (schema evolution).
  out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  out->n_children = static_cast<int64_t>(n_children);
  out->children = n_children ? node->pointers.data() : nullptr;
  out->dictionary = nullptr;
  out->release = &release_schema;
  out->private_data = node.release();
}

}  // namespace

const char* arrow_format(Dtype dtype) noexcept {
  switch (dtype) {
    case Dtype::float32: return "f";
    case Dtype::float64: return "g";
    case Dtype::int8: return "c";
    case Dtype::int16: return "s";
    case Dtype::int32: return "i";
    case Dtype::int64: return "l";
    case Dtype::uint8: return "C";
    case Dtype::uint16: return "S";
    case Dtype::uint32: return "I";
    case Dtype::uint64: return "L";
  }
  return "g";
}

void export_schema(const std::vector<OutputColumn>& columns, ArrowSchema* out) {
  ArrowSchema result{};
  fill_schema(&result, "+s", "", columns.size() + 2);
  auto* node = static_cast<SchemaNode*>(result.private_data);
  try {
    fill_schema(node->pointers[0], "l", "step", 0);
    fill_schema(node->pointers[1], "g", "time", 0);
    for (std::size_t j = 0; j < columns.size(); ++j)
      fill_schema(node->pointers[j + 2], arrow_format(columns[j].dtype), columns[j].name, 0, columns[j].nullable);
  } catch (...) {
    release_schema(&result);  // children not yet filled have release == NULL
    throw;
  }
  *out = result;
}

// ---- arrays ------------------------------------------------------------------

// A child array's private data: its one data buffer and the bytes it counts
// in the query's memory, given back when it is freed.
struct ColumnBuffer {
  ColumnBuffer(std::shared_ptr<QueryMemory> account, uint64_t size) : memory(std::move(account)), bytes(size) {
    // Never a NULL buffer, even for zero rows: some importers dereference it.
    const std::size_t allocated = (static_cast<std::size_t>(size) + kAlignment - 1) / kAlignment * kAlignment;
    data = std::aligned_alloc(kAlignment, allocated == 0 ? kAlignment : allocated);
    if (data == nullptr) throw std::bad_alloc();  // the builder gives the share back
  }
  ~ColumnBuffer() {
    std::free(data);
    std::free(validity);
    memory->give_back(bytes + validity_bytes);
  }
  ColumnBuffer(const ColumnBuffer&) = delete;
  ColumnBuffer& operator=(const ColumnBuffer&) = delete;

  std::shared_ptr<QueryMemory> memory;
  uint64_t bytes;
  void* data = nullptr;
  // Made by the first null (BatchBuilder::set_null): a bitmap of rows, 1 = valid.
  uint8_t* validity = nullptr;
  uint64_t validity_bytes = 0;
  int64_t null_count = 0;
  const void* buffers[2] = {nullptr, nullptr};  // validity (none without nulls), values
};

namespace {

void release_column(ArrowArray* array) {
  delete static_cast<ColumnBuffer*>(array->private_data);
  array->release = nullptr;
}

struct BatchNode {
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> pointers;
  const void* buffers[1] = {nullptr};  // a struct array has only a validity buffer
};

void release_batch(ArrowArray* array) {
  auto* node = static_cast<BatchNode*>(array->private_data);
  for (ArrowArray* child : node->pointers)
    if (child->release != nullptr) child->release(child);
  delete node;
  array->release = nullptr;
}

}  // namespace

BatchBuilder::BatchBuilder(std::shared_ptr<QueryMemory> memory, const std::vector<OutputColumn>& columns,
                           uint64_t rows)
    : rows_(rows) {
  std::vector<uint64_t> sizes = {rows * 8, rows * 8};
  for (const OutputColumn& column : columns) sizes.push_back(rows * dtype_size(column.dtype));
  uint64_t total = 0;
  for (uint64_t size : sizes) total += size;
  memory->take(total);
  // From here each buffer owns its share; the shares of buffers not made yet
  // are given back if one allocation fails.
  uint64_t unowned = total;
  try {
    buffers_.reserve(sizes.size());
    for (uint64_t size : sizes) {
      buffers_.push_back(std::make_unique<ColumnBuffer>(memory, size));
      unowned -= size;
    }
  } catch (...) {
    memory->give_back(unowned);
    throw;
  }
}

BatchBuilder::~BatchBuilder() = default;

int64_t* BatchBuilder::steps() noexcept { return static_cast<int64_t*>(buffers_[0]->data); }
double* BatchBuilder::times() noexcept { return static_cast<double*>(buffers_[1]->data); }
uint8_t* BatchBuilder::column(std::size_t j) noexcept { return static_cast<uint8_t*>(buffers_[j + 2]->data); }

void BatchBuilder::set_null(std::size_t j, uint64_t first, uint64_t count) {
  ColumnBuffer& buffer = *buffers_[j + 2];
  if (buffer.validity == nullptr) {
    const uint64_t size = (rows_ + 7) / 8;
    const std::size_t allocated = (static_cast<std::size_t>(size) + kAlignment - 1) / kAlignment * kAlignment;
    buffer.memory->take(size);
    buffer.validity = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, allocated == 0 ? kAlignment : allocated));
    if (buffer.validity == nullptr) {
      buffer.memory->give_back(size);
      throw std::bad_alloc();
    }
    buffer.validity_bytes = size;
    std::memset(buffer.validity, 0xff, allocated == 0 ? kAlignment : allocated);
  }
  for (uint64_t row = first; row < first + count; ++row)
    buffer.validity[row >> 3] = static_cast<uint8_t>(buffer.validity[row >> 3] & ~(1u << (row & 7)));
  buffer.null_count += static_cast<int64_t>(count);
}

void BatchBuilder::export_to(ArrowArray* out) {
  auto node = std::make_unique<BatchNode>();
  node->children.resize(buffers_.size());
  node->pointers.reserve(buffers_.size());
  for (ArrowArray& child : node->children) node->pointers.push_back(&child);
  // Nothing below throws: ownership moves from the builder to the arrays.
  const auto length = static_cast<int64_t>(rows_);
  for (std::size_t i = 0; i < buffers_.size(); ++i) {
    ColumnBuffer* buffer = buffers_[i].release();
    buffer->buffers[0] = buffer->validity;
    buffer->buffers[1] = buffer->data;
    node->children[i] =
        ArrowArray{length, buffer->null_count, 0, 2, 0, buffer->buffers, nullptr, nullptr, &release_column, buffer};
  }
  buffers_.clear();
  BatchNode* raw = node.release();
  *out = ArrowArray{length, 0, 0, 1, static_cast<int64_t>(raw->pointers.size()), raw->buffers,
                    raw->pointers.data(), nullptr, &release_batch, raw};
}

}  // namespace simingest::query
