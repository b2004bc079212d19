#include "query/query_stream.hpp"

#include <cerrno>
#include <new>
#include <string>
#include <vector>

#include "parquet/footer_reader.hpp"
#include "parquet/metadata_reader.hpp"
#include "parquet/thrift_compact_reader.hpp"
#include "query/arrow_export.hpp"
#include "query/field_assembly.hpp"
#include "query/file_source.hpp"
#include "query/row_group_reader.hpp"

namespace simingest::query {

namespace fmt = parquet::format;

namespace {

int errno_of(Status status) noexcept {
  switch (status) {
    case Status::resource_limit:
    case Status::out_of_memory: return ENOMEM;
    case Status::invalid_argument: return EINVAL;
    default: return EIO;
  }
}

// The stream's private data: the snapshot, where the reading stands, and the
// last failure.
class QueryStream {
 public:
  QueryStream(StreamSnapshot snapshot, ResolvedQuery query, std::shared_ptr<QueryMemory> memory,
              std::shared_ptr<FooterCache> footers)
      : snapshot_(std::move(snapshot)),
        query_(std::move(query)),
        memory_(std::move(memory)),
        footers_(std::move(footers)) {
    output_columns_ = query_.columns;
    if (query_.spec.assemble) {
      output_columns_.pop_back();  // `cell`: it placed the rows
      assembler_ = std::make_unique<FieldAssembler>(memory_, output_columns_, snapshot_.config.grid, snapshot_.stream);
    }
  }

  int get_schema(ArrowSchema* out) noexcept {
    return guarded([&] { export_schema(output_columns_, out); });
  }

  int get_next(ArrowArray* out) noexcept {
    if (status_ != Status::ok) return errno_of(status_);
    return guarded([&] {
      if (assembler_) return next_assembled(out);
      if (!next_raw_batch(out)) *out = ArrowArray{};  // the end: release == NULL
    });
  }

  const char* last_error() const noexcept { return status_ == Status::ok ? nullptr : error_.c_str(); }
  Status status() const noexcept { return status_; }

 private:
  template <class Body>
  int guarded(Body&& body) noexcept {
    try {
      body();
      return 0;
    } catch (const Error& e) {
      return fail(e.status(), e.what());
    } catch (const std::bad_alloc&) {
      return fail(Status::out_of_memory, "query: out of memory");
    } catch (const std::exception& e) {
      return fail(Status::internal, (std::string("query: internal error: ") + e.what()).c_str());
    } catch (...) {
      return fail(Status::internal, "query: internal error: unknown exception");
    }
  }

  int fail(Status status, const char* message) noexcept {
    status_ = status;
    try {
      error_ = message;
    } catch (...) {
      error_.clear();
    }
    return errno_of(status);
  }

  bool next_raw_batch(ArrowArray* out) { return next_file_batch(out) || next_memory_batch(out) || next_made_batch(out); }

  // Every row is read before the first step is handed out: a step's blocks
  // may sit in any file of any writer.
  void next_assembled(ArrowArray* out) {
    if (!assembled_) {
      ArrowArray batch{};
      while (next_raw_batch(&batch)) {
        struct Release {
          ArrowArray& a;
          ~Release() {
            if (a.release) a.release(&a);
          }
        } release{batch};
        assembler_->add(batch);
      }
      assembled_ = true;
    }
    if (!assembler_->next(out)) *out = ArrowArray{};
  }

  // ---- files ----

  bool next_file_batch(ArrowArray* out) {
    for (;;) {
      const std::vector<RowRange>& frames = reader_.frames();
      if (group_ready_ && next_frame_ < frames.size()) {
        const std::size_t last = query_.spec.batch_per_frame ? next_frame_ + 1 : frames.size();
        BatchBuilder batch(memory_, query_.columns, reader_.rows(next_frame_, last));
        reader_.copy_into(batch, 0, next_frame_, last, query_);
        batch.export_to(out);
        next_frame_ = last;
        return true;
      }
      group_ready_ = false;
      if (!advance_row_group()) return false;
    }
  }

  // Moves to the next row group holding a selected frame, decoding its
  // columns; false when the files are done.
  bool advance_row_group() {
    const std::vector<FilePart>& files = snapshot_.files;
    while (file_ < files.size()) {
      if (!source_) {
        const FilePart& part = files[file_];
        if (!query_.may_select_steps(part.step_min, part.step_max) ||
            !query_.may_select_time(part.time_min, part.time_max)) {
          ++file_;
          continue;
        }
        open_file(part);
      }
      // An index of another row-group count than the file's is not this file's: unused.
      const std::vector<storage::RowGroupIndex>& index = files[file_].index;
      const bool indexed = index.size() == groups_->size();
      while (group_ < groups_->size()) {
        const fmt::RowGroup& group = (*groups_)[group_];
        const std::string where = source_->name() + ": row group " + std::to_string(group_);
        const storage::RowGroupIndex* entry = indexed ? &index[group_] : nullptr;
        ++group_;
        if (reader_.select(*source_, data_end_, group, entry, query_, where)) {
          reader_.decode_columns(*source_, data_end_, group, query_, where);
          next_frame_ = 0;
          group_ready_ = true;
          return true;
        }
      }
      source_.reset();
      footer_.reset();
      ++file_;
    }
    return false;
  }

  void open_file(const FilePart& part) {
    source_ = std::make_unique<FileSource>(part);
    group_ = 0;
    reader_.use_file_columns(query_, part.columns.get());
    if (part.row_groups.empty()) {
      footer_ = footers_->footer(*source_);
      groups_ = &footer_->row_groups;
      data_end_ = parquet::footer_offset(*source_);
      return;
    }
    // In progress: exactly the row groups written when the snapshot was taken.
    in_progress_groups_.clear();
    for (std::size_t i = 0; i < part.row_groups.size(); ++i) {
      const std::vector<uint8_t>& bytes = part.row_groups[i];
      parquet::thrift::CompactReader r(bytes.data(), bytes.size(),
                                       part.path + ": row group " + std::to_string(i) + " metadata");
      fmt::RowGroup group;
      fmt::read(r, group);
      in_progress_groups_.push_back(std::move(group));
    }
    groups_ = &in_progress_groups_;
    data_end_ = source_->size();
  }

  // ---- memory frames ----

  bool next_memory_batch(ArrowArray* out) {
    std::unique_ptr<BatchBuilder> batch = query::next_memory_batch(snapshot_.frames, frame_, query_, memory_,
                                                                   snapshot_.stream);
    if (!batch) return false;
    batch->export_to(out);
    return true;
  }

  bool next_made_batch(ArrowArray* out) {
    if (made_ == snapshot_.batches.size()) return false;
    snapshot_.batches[made_]->export_to(out);
    snapshot_.batches[made_].reset();  // the consumer's now: freed when it releases the batch
    ++made_;
    return true;
  }

  StreamSnapshot snapshot_;
  ResolvedQuery query_;
  std::vector<OutputColumn> output_columns_;  // query_.columns without an assembly's `cell`
  std::unique_ptr<FieldAssembler> assembler_;  // set for an assembled query
  bool assembled_ = false;                     // every row is in assembler_
  std::shared_ptr<QueryMemory> memory_;
  std::shared_ptr<FooterCache> footers_;

  // Reading the files: file_ is the current one, open while source_ is set.
  std::size_t file_ = 0;
  std::unique_ptr<FileSource> source_;
  std::shared_ptr<const fmt::FileMetaData> footer_;
  std::vector<fmt::RowGroup> in_progress_groups_;
  const std::vector<fmt::RowGroup>* groups_ = nullptr;
  uint64_t data_end_ = 0;
  std::size_t group_ = 0;
  RowGroupReader reader_;
  bool group_ready_ = false;
  std::size_t next_frame_ = 0;

  std::size_t frame_ = 0;  // the next in-memory frame
  std::size_t made_ = 0;   // the next batch made already

  Status status_ = Status::ok;
  std::string error_;
};

QueryStream* state_of(ArrowArrayStream* stream) noexcept { return static_cast<QueryStream*>(stream->private_data); }

int stream_get_schema(ArrowArrayStream* stream, ArrowSchema* out) { return state_of(stream)->get_schema(out); }
int stream_get_next(ArrowArrayStream* stream, ArrowArray* out) { return state_of(stream)->get_next(out); }
const char* stream_last_error(ArrowArrayStream* stream) { return state_of(stream)->last_error(); }
void stream_release(ArrowArrayStream* stream) {
  delete state_of(stream);
  stream->release = nullptr;
}

}  // namespace

void make_query_stream(StreamSnapshot snapshot, ResolvedQuery query, uint64_t memory_limit,
                       std::shared_ptr<FooterCache> footers, ArrowArrayStream* out) {
  make_query_stream(std::move(snapshot), std::move(query), std::make_shared<QueryMemory>(memory_limit),
                    std::move(footers), out);
}

void make_query_stream(StreamSnapshot snapshot, ResolvedQuery query, std::shared_ptr<QueryMemory> memory,
                       std::shared_ptr<FooterCache> footers, ArrowArrayStream* out) {
  auto* state = new QueryStream(std::move(snapshot), std::move(query), std::move(memory), std::move(footers));
  *out = ArrowArrayStream{&stream_get_schema, &stream_get_next, &stream_last_error, &stream_release, state};
}

bool is_query_stream(const ArrowArrayStream* stream) noexcept {
  return stream != nullptr && stream->release == &stream_release && stream->private_data != nullptr;
}

Status query_stream_status(const ArrowArrayStream* stream) noexcept {
  if (!is_query_stream(stream)) return Status::invalid_argument;
  return static_cast<const QueryStream*>(stream->private_data)->status();
}

}  // namespace simingest::query
