#include "query_stream.hpp"

#include <atomic>
#include <cstring>
#include <new>
#include <utility>

#include "simingest_error.hpp"

namespace simingest_node {
namespace {

// Batches handed to JavaScript and not yet released, in every environment of
// the process (queryBatchesAlive(): the tests prove release after collection).
std::atomic<int64_t> batches_alive{0};

// One record batch shared by the ArrayBuffers made over its columns.
struct SharedBatch {
  ArrowArray array{};
  size_t refs = 0;
};

void DropReference(SharedBatch* batch) {
  if (--batch->refs == 0) {
    if (batch->array.release != nullptr) batch->array.release(&batch->array);
    delete batch;
    batches_alive.fetch_sub(1, std::memory_order_relaxed);
  }
}

class NextWorker : public Napi::AsyncWorker {
 public:
  NextWorker(Napi::Env env, QueryStream* owner, std::vector<size_t> widths)
      : Napi::AsyncWorker(env, "simingest.query.next"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        widths_(std::move(widths)) {}

  ~NextWorker() override {
    if (batch_ != nullptr) {
      if (batch_->array.release != nullptr) batch_->array.release(&batch_->array);
      delete batch_;
    }
  }

  NextWorker(const NextWorker&) = delete;
  NextWorker& operator=(const NextWorker&) = delete;

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // On a pool thread: no JavaScript, and nothing may throw out of here.
  void Execute() override {
    batch_ = new (std::nothrow) SharedBatch();
    if (batch_ == nullptr) {
      status_ = SIMINGEST_ERR_OUT_OF_MEMORY;
      return;
    }
    ArrowArrayStream* stream = owner_->stream();
    const int code = stream->get_next(stream, &batch_->array);
    if (code != 0) {
      status_ = simingest_query_stream_status(stream);
      if (status_ == SIMINGEST_OK) status_ = SIMINGEST_ERR_IO;  // a failure all the same
      const char* message = stream->get_last_error(stream);
      try {
        message_ = message != nullptr && message[0] != '\0' ? message : "the query stream failed";
      } catch (const std::bad_alloc&) {
        message_.clear();
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    owner_->EndNext();
    if (status_ != SIMINGEST_OK) {
      deferred_.Reject(MakeError(env, status_, message_.empty() ? "out of memory" : message_));
      return;
    }
    if (batch_->array.release == nullptr) {  // the end of the stream
      deferred_.Resolve(env.Null());
      return;
    }
    SharedBatch* batch = std::exchange(batch_, nullptr);
    batches_alive.fetch_add(1, std::memory_order_relaxed);
    try {
      deferred_.Resolve(MakeBatch(env, batch));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    owner_->EndNext();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Object MakeBatch(Napi::Env env, SharedBatch* batch) {
    // The batch holds one reference of its own while its buffers are made, so
    // a failure midway releases it exactly once, after the buffers already
    // made are collected.
    batch->refs = 1;
    struct Guard {
      SharedBatch* batch;
      ~Guard() { DropReference(batch); }
    } guard{batch};
    const ArrowArray& parent = batch->array;
    if (static_cast<size_t>(parent.n_children) != widths_.size()) {
      ThrowError(env, SIMINGEST_ERR_INTERNAL, "query batch: the column count differs from the schema's");
    }
    Napi::Array columns = Napi::Array::New(env, widths_.size());
    // Per column: its validity bitmap as a copy (a few bytes per 8 rows), or
    // null when the batch holds no null in it.
    Napi::Array validity = Napi::Array::New(env, widths_.size());
    for (size_t i = 0; i < widths_.size(); ++i) {
      const ArrowArray* child = parent.children[i];
      if (child->null_count > 0 && child->n_buffers > 0 && child->buffers[0] != nullptr &&
          child->offset + parent.offset == 0) {
        const size_t bitmap_bytes = static_cast<size_t>((child->length + 7) / 8);
        Napi::ArrayBuffer bitmap = Napi::ArrayBuffer::New(env, bitmap_bytes);
        std::memcpy(bitmap.Data(), child->buffers[0], bitmap_bytes);
        validity.Set(static_cast<uint32_t>(i), bitmap);
      } else {
        validity.Set(static_cast<uint32_t>(i), env.Null());
      }
      const size_t bytes = static_cast<size_t>(child->length) * widths_[i];
      const void* data = child->n_buffers > 1 ? child->buffers[1] : nullptr;
      if (bytes == 0 || data == nullptr) {
        columns.Set(static_cast<uint32_t>(i), Napi::ArrayBuffer::New(env, 0));
        continue;
      }
      auto* start = static_cast<uint8_t*>(const_cast<void*>(data)) +
                    static_cast<size_t>(child->offset + parent.offset) * widths_[i];
      ++batch->refs;
      Napi::ArrayBuffer buffer;
      try {
        buffer = Napi::ArrayBuffer::New(env, start, bytes,
                                        [](Napi::Env, void*, SharedBatch* hint) { DropReference(hint); }, batch);
      } catch (...) {
        --batch->refs;  // not made: its finalizer will never run
        throw;
      }
      columns.Set(static_cast<uint32_t>(i), buffer);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("length", Napi::Number::New(env, static_cast<double>(parent.length)));
    out.Set("columns", columns);
    out.Set("validity", validity);
    return out;
  }

  Napi::Promise::Deferred deferred_;
  QueryStream* owner_;
  std::vector<size_t> widths_;
  SharedBatch* batch_ = nullptr;
  simingest_status status_ = SIMINGEST_OK;
  std::string message_;
};

}  // namespace

Napi::Value QueryBatchesAlive(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(batches_alive.load(std::memory_order_relaxed)));
}

size_t FormatWidth(const char* format) {
  if (format == nullptr || format[0] == '\0' || format[1] != '\0') return 0;
  switch (format[0]) {
    case 'c': case 'C': return 1;
    case 's': case 'S': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'l': case 'L': case 'g': return 8;
    default: return 0;
  }
}

Napi::Function QueryStream::Define(Napi::Env env) {
  return DefineClass(env, "NativeQueryStream",
                     {
                         InstanceMethod<&QueryStream::Schema>("schema"),
                         InstanceMethod<&QueryStream::Next>("next"),
                         InstanceMethod<&QueryStream::Close>("close"),
                     });
}

Napi::Value QueryStream::Wrap(Napi::Env env, ArrowArrayStream* stream) {
  AddonData* data = env.GetInstanceData<AddonData>();
  try {
    return data->query_stream_class.New({Napi::External<ArrowArrayStream>::New(env, stream)});
  } catch (...) {
    if (stream->release != nullptr) stream->release(stream);  // not taken by a constructor
    throw;
  }
}

QueryStream::QueryStream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<QueryStream>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    ThrowError(info.Env(), SIMINGEST_ERR_INVALID_ARGUMENT,
               "NativeQueryStream cannot be constructed directly; use query()");
  }
  // Moved: the Arrow structs may be copied bitwise, the source then marked released.
  ArrowArrayStream* source = info[0].As<Napi::External<ArrowArrayStream>>().Data();
  stream_ = *source;
  source->release = nullptr;
}

QueryStream::~QueryStream() { Release(); }

void QueryStream::Release() {
  if (stream_.release != nullptr) stream_.release(&stream_);
}

void QueryStream::EndNext() {
  busy_ = false;
  Unref();
  if (close_requested_) Release();
}

Napi::Value QueryStream::Schema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stream_.release == nullptr || busy_) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT,
               busy_ ? "query stream: schema() while next() is pending" : "query stream: closed");
  }
  ArrowSchema schema{};
  const int code = stream_.get_schema(&stream_, &schema);
  if (code != 0) {
    simingest_status status = simingest_query_stream_status(&stream_);
    const char* message = stream_.get_last_error(&stream_);
    ThrowError(env, status == SIMINGEST_OK ? SIMINGEST_ERR_IO : status,
               message != nullptr && message[0] != '\0' ? message : "query stream: get_schema failed");
  }
  struct Release {
    ArrowSchema* schema;
    ~Release() { if (schema->release != nullptr) schema->release(schema); }
  } release{&schema};
  Napi::Array fields = Napi::Array::New(env, static_cast<size_t>(schema.n_children));
  for (int64_t i = 0; i < schema.n_children; ++i) {
    const ArrowSchema* child = schema.children[i];
    Napi::Object field = Napi::Object::New(env);
    field.Set("name", Napi::String::New(env, child->name != nullptr ? child->name : ""));
    field.Set("format", Napi::String::New(env, child->format != nullptr ? child->format : ""));
    // A column some schema version lacks (docs/ON_DISK.md "Schema evolution").
    field.Set("nullable", Napi::Boolean::New(env, (child->flags & ARROW_FLAG_NULLABLE) != 0));
    fields.Set(static_cast<uint32_t>(i), field);
  }
  return fields;
}

Napi::Value QueryStream::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (stream_.release == nullptr || close_requested_) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "query stream: closed");
  }
  if (busy_) ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "query stream: next() while another is pending");
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowError(env, SIMINGEST_ERR_INVALID_ARGUMENT, "next(formats) expects the schema's formats");
  }
  Napi::Array formats = info[0].As<Napi::Array>();
  std::vector<size_t> widths(formats.Length());
  for (uint32_t i = 0; i < formats.Length(); ++i) {
    Napi::Value format = formats.Get(i);
    widths[i] = format.IsString() ? FormatWidth(format.As<Napi::String>().Utf8Value().c_str()) : 0;
    if (widths[i] == 0) ThrowError(env, SIMINGEST_ERR_INTERNAL, "query stream: a column of unknown format");
  }
  auto* worker = new NextWorker(env, this, std::move(widths));  // deletes itself when done
  Napi::Promise promise = worker->Promise();
  busy_ = true;
  Ref();
  worker->Queue();
  return promise;
}

Napi::Value QueryStream::Close(const Napi::CallbackInfo& info) {
  if (busy_) {
    close_requested_ = true;
  } else {
    Release();
  }
  return info.Env().Undefined();
}

}  // namespace simingest_node
