// simingest.hpp — header-only C++17 RAII layer over the C ABI of simingest.h.
//
// Nothing here is compiled into libsimingest: it only calls the functions of
// simingest.h, so it works with any build of the library that the header
// matches. Failures become simingest::Error (a std::runtime_error carrying the
// simingest_status and the library's message).
//
//   simingest::Ingestor ingestor("run42", config_json);
//   ingestor.ingest("fields", step, time, {simingest::array("vx", vx.data(), vx.size()),
//                                          simingest::scalar("energy", energy)});
//   ingestor.close();  // or let the destructor close (it cannot report a failure)
//
// Zero copy: a LoanedFrame lends the engine's buffers (simingest.h "Loaned frames"):
//   simingest::LoanedFrame frame = ingestor.begin_frame("fields", step, time);
//   auto vx = frame.column<float>("vx");   // compute vx[0 .. vx.size) in place
//   frame.commit();
//
// Thread safety is that of the C ABI: one Ingestor may be used from any number
// of threads at once, except that close(), destruction and moves must not race
// with other calls.
#ifndef SIMINGEST_HPP
#define SIMINGEST_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "simingest.h"

namespace simingest {
// The wrapper lives in an inline namespace: users write simingest::Error,
// but its symbols (simingest::hpp_v1::Error) can never collide with the
// engine's internal classes in namespace simingest (native/core/status.hpp
// has its own simingest::Error), which a program linking the static engine,
// like the test binary, would otherwise merge in violation of the ODR.
inline namespace hpp_v1 {

// A failed simingest call: status() says what kind, what() the message.
class Error : public std::runtime_error {
 public:
  Error(simingest_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  simingest_status status() const noexcept { return status_; }

 private:
  simingest_status status_;
};

// The simingest_dtype of an element type; only the ten column types have one.
template <typename T>
struct dtype_of;
template <> struct dtype_of<float> { static constexpr simingest_dtype value = SIMINGEST_FLOAT32; };
template <> struct dtype_of<double> { static constexpr simingest_dtype value = SIMINGEST_FLOAT64; };
template <> struct dtype_of<int8_t> { static constexpr simingest_dtype value = SIMINGEST_INT8; };
template <> struct dtype_of<int16_t> { static constexpr simingest_dtype value = SIMINGEST_INT16; };
template <> struct dtype_of<int32_t> { static constexpr simingest_dtype value = SIMINGEST_INT32; };
template <> struct dtype_of<int64_t> { static constexpr simingest_dtype value = SIMINGEST_INT64; };
template <> struct dtype_of<uint8_t> { static constexpr simingest_dtype value = SIMINGEST_UINT8; };
template <> struct dtype_of<uint16_t> { static constexpr simingest_dtype value = SIMINGEST_UINT16; };
template <> struct dtype_of<uint32_t> { static constexpr simingest_dtype value = SIMINGEST_UINT32; };
template <> struct dtype_of<uint64_t> { static constexpr simingest_dtype value = SIMINGEST_UINT64; };

// One column of a frame. An array column borrows the caller's data (it must
// stay valid until ingest() returns, which copies it); a scalar column holds
// its value itself, so a Column made from a temporary is safe to keep.
class Column {
 public:
  Column(const char* name, simingest_dtype dtype, const void* data, std::size_t length) noexcept
      : name_(name), dtype_(dtype), data_(data), length_(length) {}

  template <typename T>
  static Column scalar(const char* name, T value) noexcept {
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "a column element is at most 8 bytes");
    Column column(name, dtype_of<T>::value, nullptr, SIMINGEST_SCALAR);
    std::memcpy(column.scalar_, &value, sizeof value);
    return column;
  }

  const char* name() const noexcept { return name_; }
  simingest_dtype dtype() const noexcept { return dtype_; }
  bool is_scalar() const noexcept { return length_ == SIMINGEST_SCALAR; }
  std::size_t length() const noexcept { return length_; }

  // The C view; valid while this Column lives and is not moved.
  simingest_column c_column() const noexcept {
    return simingest_column{name_, dtype_, is_scalar() ? static_cast<const void*>(scalar_) : data_,
                            length_};
  }

 private:
  const char* name_;
  simingest_dtype dtype_;
  const void* data_;
  std::size_t length_;
  alignas(8) unsigned char scalar_[8] = {};
};

// An array column of `length` elements of T at `data`.
template <typename T>
Column array(const char* name, const T* data, std::size_t length) noexcept {
  return Column(name, dtype_of<std::remove_cv_t<T>>::value, data, length);
}

template <typename T, typename Allocator>
Column array(const char* name, const std::vector<T, Allocator>& values) noexcept {
  return array(name, values.data(), values.size());
}

// A scalar column: one value recorded for every row of the frame. The dtype
// follows T, so write scalar("energy", 1.0) for a float64 column and
// scalar("n", int32_t{3}) for an int32 one.
template <typename T>
Column scalar(const char* name, T value) noexcept {
  return Column::scalar(name, value);
}

inline const char* version() noexcept { return simingest_version(); }

inline const char* status_string(simingest_status status) noexcept {
  return simingest_status_string(status);
}

// The summary `simingest inspect --json` prints of the dataset at `path`
// (simingest_inspect_json()): read-only, takes no lock, so it works while an
// Ingestor holds the dataset. Throws Error (IO: no dataset there, CORRUPT: no
// good manifest copy).
inline std::string inspect_json(const std::string& path) {
  char* json = nullptr;
  char* message = nullptr;
  const simingest_status status = simingest_inspect_json(path.c_str(), &json, &message);
  if (status != SIMINGEST_OK) {
    std::string text = message ? message : simingest_status_string(status);
    simingest_free(message);
    throw Error(status, text);
  }
  std::string out(json);
  simingest_free(json);
  return out;
}

// A column of a loaned frame: `size` elements of T in engine memory, valid
// until the frame is committed or aborted.
template <typename T>
struct ColumnBuffer {
  T* data = nullptr;
  std::size_t size = 0;
  T* begin() const noexcept { return data; }
  T* end() const noexcept { return data + size; }
  T& operator[](std::size_t i) const noexcept { return data[i]; }
};

// Owns one simingest_frame handle (simingest.h "Loaned frames"): the engine
// lends the frame's column buffers, the caller writes them, commit() hands
// them over without a copy. Move-only. Destroying a frame still open aborts
// it; the handle is reused by Ingestor::begin_frame(frame, ...), so a loop
// that keeps one LoanedFrame allocates nothing per step.
class LoanedFrame {
 public:
  LoanedFrame() noexcept = default;
  LoanedFrame(LoanedFrame&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), ingestor_(other.ingestor_), open_(std::exchange(other.open_, false)) {}
  LoanedFrame& operator=(LoanedFrame&& other) noexcept {
    if (this != &other) {
      release();
      handle_ = std::exchange(other.handle_, nullptr);
      ingestor_ = other.ingestor_;
      open_ = std::exchange(other.open_, false);
    }
    return *this;
  }
  LoanedFrame(const LoanedFrame&) = delete;
  LoanedFrame& operator=(const LoanedFrame&) = delete;
  ~LoanedFrame() { release(); }

  // The buffer of column `name`, whose dtype must be T's (else Error
  // SIMINGEST_ERR_DTYPE_MISMATCH naming it).
  template <typename T>
  ColumnBuffer<T> column(const char* name) {
    std::size_t count = 0;
    check(simingest_frame_column_count(handle_, &count));
    for (std::size_t i = 0; i < count; ++i) {
      const char* column_name = nullptr;
      simingest_dtype dtype{};
      void* data = nullptr;
      std::size_t length = 0;
      check(simingest_frame_column_at(handle_, i, &column_name, &dtype, &data, &length));
      if (std::strcmp(column_name, name) != 0) continue;
      if (dtype != dtype_of<T>::value)
        throw Error(SIMINGEST_ERR_DTYPE_MISMATCH, std::string("simingest: column \"") + name +
                                                      "\" has dtype " + std::to_string(dtype) + ", not " +
                                                      std::to_string(dtype_of<T>::value));
      return ColumnBuffer<T>{static_cast<T*>(data), length};
    }
    void* data = nullptr;
    std::size_t length = 0;
    check(simingest_frame_column(handle_, name, &data, &length));  // throws: unknown column
    return {};
  }
  // The untyped buffer of column `name` and its length in elements.
  void* column_data(const char* name, std::size_t* length) {
    void* data = nullptr;
    std::size_t count = 0;
    check(simingest_frame_column(handle_, name, &data, &count));
    if (length != nullptr) *length = count;
    return data;
  }

  void commit() {
    open_ = false;
    check(simingest_frame_commit(handle_));
  }
  void abort() {
    open_ = false;
    check(simingest_frame_abort(handle_));
  }
  bool is_open() const noexcept { return open_; }
  simingest_frame* native_handle() const noexcept { return handle_; }

 private:
  friend class Ingestor;

  void release() noexcept {
    if (open_) simingest_frame_abort(handle_);  // a failure cannot be reported from here
    simingest_frame_free(&handle_);
    open_ = false;
  }
  void check(simingest_status status) const {
    if (status == SIMINGEST_OK) return;
    if (handle_ == nullptr) throw Error(status, "simingest: the frame was never begun");
    // Once the ingestor is closed its messages are recorded under NULL.
    const char* message = simingest_last_error(ingestor_);
    throw Error(status, *message ? message : simingest_last_error(nullptr));
  }

  simingest_frame* handle_ = nullptr;
  const simingest_ingestor* ingestor_ = nullptr;
  bool open_ = false;
};

// Owns one simingest_appender: rows of one stream, one call per row
// (simingest.h "Appender"). Move-only; the destructor closes it (handing the
// pending rows to the engine, a failure unreported: call close() to see it).
// One thread at a time; it may outlive its Ingestor (then append() throws
// SIMINGEST_ERR_CLOSED).
//
//   simingest::Appender joints = ingestor.appender("joints");
//   double q[8] = {...};
//   joints.append(step, time, q);          // the stream's columns, packed
//   joints.append_values(step, time, 1.0, 2.0f, int32_t{3});  // each value its column's type
class Appender {
 public:
  Appender() = default;
  explicit Appender(simingest_appender* handle) noexcept : handle_(handle) {}
  Appender(Appender&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Appender& operator=(Appender&& other) noexcept {
    if (this != &other) {
      simingest_appender_close(&handle_);
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender() { simingest_appender_close(&handle_); }

  // One row: row_bytes() bytes, the stream's columns in declared order, packed.
  void append(int64_t step, double time, const void* values) {
    check(simingest_appender_append_row(open_handle(), step, time, values));
  }
  // One row given as values, each of its column's element type (packed here).
  template <typename... T>
  void append_values(int64_t step, double time, T... values) {
    static_assert(sizeof...(T) > 0, "a row has at least one value");
    unsigned char row[(sizeof(T) + ...)];
    std::size_t at = 0;
    ((std::memcpy(row + at, &values, sizeof(T)), at += sizeof(T)), ...);
    append(step, time, row);
  }
  // `rows` rows in one call (simingest_appender_append_rows()): steps[i],
  // times[i] and row i at values + i * row_bytes(). Returns how many were
  // taken; throws at the first row refused (the rows before it were taken).
  std::size_t append_rows(std::size_t rows, const int64_t* steps, const double* times, const void* values) {
    std::size_t taken = 0;
    check(simingest_appender_append_rows(open_handle(), rows, steps, times, values, &taken));
    return taken;
  }
  // Hands the pending rows to the engine now (no rows: nothing).
  void flush() { check(simingest_appender_flush(open_handle())); }
  std::size_t row_bytes() const {
    std::size_t bytes = 0;
    check(simingest_appender_row_bytes(open_handle(), &bytes));
    return bytes;
  }
  // Flushes and frees the appender; throws if that flush failed (freed either way).
  void close() {
    const simingest_status status = simingest_appender_close(&handle_);
    if (status != SIMINGEST_OK) throw Error(status, simingest_appender_last_error(nullptr));
  }
  bool is_open() const noexcept { return handle_ != nullptr; }
  simingest_appender* native_handle() const noexcept { return handle_; }

 private:
  simingest_appender* open_handle() const {
    if (!handle_) throw Error(SIMINGEST_ERR_CLOSED, "simingest: the appender is closed");
    return handle_;
  }
  void check(simingest_status status) const {
    if (status != SIMINGEST_OK) throw Error(status, simingest_appender_last_error(handle_));
  }
  simingest_appender* handle_ = nullptr;
};

// Owns one simingest_ingestor. Move-only; the destructor closes it.
class Ingestor {
 public:
  // Opens (or creates) the dataset at `path` with the configuration JSON.
  Ingestor(const std::string& path, const std::string& config_json) {
    char* message = nullptr;
    const simingest_status status =
        simingest_open(path.c_str(), config_json.c_str(), &handle_, &message);
    if (status != SIMINGEST_OK) {
      std::string text = message ? message : simingest_status_string(status);
      simingest_free(message);
      throw Error(status, text);
    }
  }

  Ingestor(Ingestor&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Ingestor& operator=(Ingestor&& other) noexcept {
    if (this != &other) {
      simingest_close(&handle_);  // a failure here cannot be reported from a move
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Ingestor(const Ingestor&) = delete;
  Ingestor& operator=(const Ingestor&) = delete;

  // Closes, ignoring a failure of the final flush: call close() to see it.
  ~Ingestor() { simingest_close(&handle_); }

  // Ingests one frame (see simingest_ingest()); arrays are copied before it returns.
  void ingest(const char* stream, int64_t step, double time, const Column* columns,
              std::size_t ncolumns) {
    check(call_ingest(&simingest_ingest, stream, step, time, columns, ncolumns));
  }
  void ingest(const char* stream, int64_t step, double time, std::initializer_list<Column> columns) {
    ingest(stream, step, time, columns.begin(), columns.size());
  }
  void ingest(const char* stream, int64_t step, double time, const std::vector<Column>& columns) {
    ingest(stream, step, time, columns.data(), columns.size());
  }
  void ingest(const std::string& stream, int64_t step, double time,
              std::initializer_list<Column> columns) {
    ingest(stream.c_str(), step, time, columns.begin(), columns.size());
  }
  void ingest(const std::string& stream, int64_t step, double time,
              const std::vector<Column>& columns) {
    ingest(stream.c_str(), step, time, columns.data(), columns.size());
  }

  // As ingest(), but returns false instead of waiting when the "block"
  // policy's budget is full (simingest_ingest_nowait()).
  bool try_ingest(const char* stream, int64_t step, double time,
                  std::initializer_list<Column> columns) {
    const simingest_status status = call_ingest(&simingest_ingest_nowait, stream, step, time,
                                                columns.begin(), columns.size());
    if (status == SIMINGEST_WOULD_BLOCK) return false;
    check(status);
    return true;
  }

  // Lends a frame of `stream` (simingest_frame_begin_rows(); `rows` 0: the
  // grid's product). Write its columns, then commit() it.
  LoanedFrame begin_frame(const char* stream, int64_t step, double time, std::size_t rows = 0) {
    LoanedFrame frame;
    begin_frame(frame, stream, step, time, rows);
    return frame;
  }
  // The same into `frame`, reusing its handle; `frame` must not be open.
  void begin_frame(LoanedFrame& frame, const char* stream, int64_t step, double time, std::size_t rows = 0) {
    check(simingest_frame_begin_rows(open_handle(), stream, step, time, rows, &frame.handle_));
    frame.ingestor_ = handle_;
    frame.open_ = true;
  }

  // Returns when every frame ingested before the call is committed.
  void flush() { check(simingest_flush(open_handle())); }

  // The statistics document (docs/STATS.md).
  std::string stats_json() const {
    char* json = nullptr;
    check(simingest_stats_json(open_handle(), &json));
    std::string text(json);
    simingest_free(json);
    return text;
  }

  // The last durable step of each stream as JSON (simingest_checkpoint()).
  std::string checkpoint_json() const {
    char* json = nullptr;
    check(simingest_checkpoint(open_handle(), &json));
    std::string text(json);
    simingest_free(json);
    return text;
  }

  // The last durable step of each stream; no value for a stream without a
  // committed frame yet.
  std::map<std::string, std::optional<int64_t>> checkpoint() const {
    return parse_checkpoint(checkpoint_json());
  }

  // Flushes and closes; throws if the final flush failed (the handle is
  // released either way). Closing a closed Ingestor does nothing.
  void close() {
    const simingest_status status = simingest_close(&handle_);
    // The handle is gone: a failed close leaves its message under NULL.
    if (status != SIMINGEST_OK) throw Error(status, simingest_last_error(nullptr));
  }

  // An appender of `stream` (simingest_appender_open()).
  Appender appender(const std::string& stream) {
    simingest_appender* handle = nullptr;
    check(simingest_appender_open(open_handle(), stream.c_str(), &handle));
    return Appender(handle);
  }

  bool is_open() const noexcept { return handle_ != nullptr; }
  explicit operator bool() const noexcept { return is_open(); }
  simingest_ingestor* native_handle() const noexcept { return handle_; }

 private:
  // The document simingest_checkpoint() returns: an object whose keys are
  // stream names (identifiers, never escaped) and whose values are integers
  // or null, without whitespace.
  static std::map<std::string, std::optional<int64_t>> parse_checkpoint(const std::string& text) {
    std::map<std::string, std::optional<int64_t>> out;
    std::size_t i = 0;
    auto fail = [&]() -> Error { return Error(SIMINGEST_ERR_INTERNAL, "simingest: unexpected checkpoint " + text); };
    if (text.empty() || text[i++] != '{') throw fail();
    while (i < text.size() && text[i] != '}') {
      if (text[i] == ',') ++i;
      if (i >= text.size() || text[i++] != '"') throw fail();
      const std::size_t end = text.find('"', i);
      if (end == std::string::npos || end + 1 >= text.size() || text[end + 1] != ':') throw fail();
      const std::string name = text.substr(i, end - i);
      i = end + 2;
      if (text.compare(i, 4, "null") == 0) {
        out[name] = std::nullopt;
        i += 4;
      } else {
        std::size_t used = 0;
        long long step = 0;
        try {
          step = std::stoll(text.substr(i), &used);
        } catch (const std::exception&) {
          throw fail();
        }
        out[name] = static_cast<int64_t>(step);
        i += used;
      }
    }
    if (i >= text.size()) throw fail();
    return out;
  }

  using IngestFunction = simingest_status (*)(simingest_ingestor*, const char*, int64_t, double,
                                              const simingest_column*, std::size_t);

  simingest_status call_ingest(IngestFunction function, const char* stream, int64_t step,
                               double time, const Column* columns, std::size_t ncolumns) const {
    simingest_ingestor* handle = open_handle();
    // Frames rarely have many columns: convert on the stack when they fit.
    constexpr std::size_t kInline = 16;
    if (ncolumns <= kInline) {
      simingest_column c_columns[kInline];
      for (std::size_t i = 0; i < ncolumns; ++i) c_columns[i] = columns[i].c_column();
      return function(handle, stream, step, time, c_columns, ncolumns);
    }
    std::vector<simingest_column> c_columns;
    c_columns.reserve(ncolumns);
    for (std::size_t i = 0; i < ncolumns; ++i) c_columns.push_back(columns[i].c_column());
    return function(handle, stream, step, time, c_columns.data(), ncolumns);
  }

  simingest_ingestor* open_handle() const {
    if (!handle_) throw Error(SIMINGEST_ERR_CLOSED, "simingest: the ingestor is closed");
    return handle_;
  }

  // The message is the calling thread's, read at once, before any other call.
  void check(simingest_status status) const {
    if (status != SIMINGEST_OK) throw Error(status, simingest_last_error(handle_));
  }

  simingest_ingestor* handle_ = nullptr;
};

}  // namespace hpp_v1
}  // namespace simingest

#endif  // SIMINGEST_HPP
