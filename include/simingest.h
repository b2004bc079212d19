/*
 * simingest.h — the C ABI of libsimingest.
 *
 * simingest turns the arrays a running simulation produces into a crash-safe,
 * time-partitioned Parquet dataset without the solver waiting on compression or
 * disk. This header is the one contract every host (C, C++, Python ctypes, the
 * Node addon) drives; it is C99 and has no dependency beyond <stddef.h> and
 * <stdint.h>.
 *
 * General rules, true of every function below unless its block says otherwise:
 *
 *  - Every function returns a simingest_status; SIMINGEST_OK (0) is success.
 *    Results come back through out-parameters, which are left untouched on
 *    failure.
 *  - No C++ exception ever crosses this boundary; an unexpected internal
 *    failure becomes SIMINGEST_ERR_INTERNAL (or SIMINGEST_ERR_OUT_OF_MEMORY).
 *  - The message of the last failing call made *by the calling thread* on a
 *    handle is available from simingest_last_error(handle). It names the
 *    problem, e.g. `stream "fields": column "vx": expected float32 but received
 *    float64`. The same failure produces the same status and message from
 *    every host.
 *  - Strings passed in are borrowed for the duration of the call only.
 *    Strings and buffers returned through `char**` out-parameters are owned by
 *    the caller and released with simingest_free().
 *  - A handle may be used from any number of threads at once, except that
 *    simingest_close() and simingest_close_async() must not race with any
 *    other call on the same handle.
 *  - Foreign-language callers: cross this interface as rarely as you can.
 *    Pass whole columns per call, never one value per call.
 */
#ifndef SIMINGEST_H
#define SIMINGEST_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(SIMINGEST_BUILDING_LIBRARY)
#    define SIMINGEST_API __declspec(dllexport)
#  else
#    define SIMINGEST_API
#  endif
#elif defined(__GNUC__)
#  define SIMINGEST_API __attribute__((visibility("default")))
#else
#  define SIMINGEST_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------ */

#define SIMINGEST_VERSION_MAJOR 0
#define SIMINGEST_VERSION_MINOR 1
#define SIMINGEST_VERSION_PATCH 0
/* MAJOR*100*100 + MINOR*100 + PATCH, comparable with simingest_version_number(). */
#define SIMINGEST_VERSION_NUMBER \
  (SIMINGEST_VERSION_MAJOR * 100 * 100 + SIMINGEST_VERSION_MINOR * 100 + SIMINGEST_VERSION_PATCH)
#define SIMINGEST_VERSION_STRING "0.1.0"

/* The version of the library actually loaded, e.g. "0.1.0". Static storage. */
SIMINGEST_API const char* simingest_version(void);
/* SIMINGEST_VERSION_NUMBER of the library actually loaded. */
SIMINGEST_API unsigned simingest_version_number(void);

/* ---- Status --------------------------------------------------------------
 * Values are explicit and are only ever appended; a value never changes
 * meaning between releases. */
typedef enum simingest_status {
  SIMINGEST_OK = 0,
  /* A required pointer was NULL, a count was impossible, or a name broke the
   * naming rule [A-Za-z_][A-Za-z0-9_]{0,63}. */
  SIMINGEST_ERR_INVALID_ARGUMENT = 1,
  /* The configuration JSON is malformed, has an unknown key, a wrong type or
   * an out-of-range value; the message names the key path. */
  SIMINGEST_ERR_CONFIG = 2,
  /* simingest_ingest() named a stream the configuration does not declare. */
  SIMINGEST_ERR_UNKNOWN_STREAM = 3,
  /* A frame named a column its stream does not declare, or named one twice. */
  SIMINGEST_ERR_UNKNOWN_COLUMN = 4,
  /* A frame left out a column its stream declares. */
  SIMINGEST_ERR_MISSING_COLUMN = 5,
  /* The arrays of a frame differ in length, or do not match the grid. */
  SIMINGEST_ERR_LENGTH_MISMATCH = 6,
  /* A column's dtype differs from the one its stream declares. */
  SIMINGEST_ERR_DTYPE_MISMATCH = 7,
  /* A NaN or infinity reached a column whose policy is "reject". */
  SIMINGEST_ERR_NON_FINITE = 8,
  /* The memory budget is full and the policy is "error", or "block" waited
   * longer than its timeout. The frame was not accepted. */
  SIMINGEST_ERR_BACKPRESSURE = 9,
  /* One frame needs more memory than the whole budget. */
  SIMINGEST_ERR_FRAME_TOO_LARGE = 10,
  /* The dataset already holds this stream with a different schema. */
  SIMINGEST_ERR_SCHEMA_CONFLICT = 11,
  /* A file-system operation failed (the message holds the path and errno
   * text). Once storage has failed the ingestor accepts no more frames; what
   * was committed before stays committed. */
  SIMINGEST_ERR_IO = 12,
  /* The ingestor is closing or closed. */
  SIMINGEST_ERR_CLOSED = 13,
  SIMINGEST_ERR_OUT_OF_MEMORY = 14,
  /* Another ingestor (in this or another process) holds the dataset open. */
  SIMINGEST_ERR_DATASET_LOCKED = 15,
  /* Not an error: only simingest_ingest_nowait() returns it, when the policy
   * is "block" and the frame does not fit yet. Nothing was copied. */
  SIMINGEST_WOULD_BLOCK = 16,
  /* The file system is full (ENOSPC) or the quota is exhausted (EDQUOT).
   * Like SIMINGEST_ERR_IO, the ingestor then accepts no more frames; what
   * was committed before stays committed. */
  SIMINGEST_ERR_NO_SPACE = 17,
  /* A committed file or the manifest fails its checks (size, magic,
   * checksum, structure); the message names the file. Opening a dataset
   * moves such a file to _simingest/quarantine/, drops it from the manifest
   * and fails once with this status, naming each file, why and where it
   * went; opening again succeeds without it (docs/ON_DISK.md). */
  SIMINGEST_ERR_CORRUPT = 18,
  /* The dataset this ingestor holds is no longer the one at its path: the
   * directory or its _simingest/lock was removed, renamed or replaced while
   * the ingestor had it open. Nothing more is committed (never into a dataset
   * another writer may now hold); what was committed before stays as it was.
   * Like SIMINGEST_ERR_IO, the ingestor accepts no more frames. */
  SIMINGEST_ERR_DATASET_LOST = 19,
  /* The operating system refused a resource the engine needs: a thread
   * (EAGAIN under ulimit -u), a file descriptor (EMFILE, ENFILE) or a memory
   * mapping. Nothing is left half-open; the dataset lock is released. */
  SIMINGEST_ERR_RESOURCE_LIMIT = 20,
  /* A part of the dataset is not what simingest writes there: the
   * _simingest directory, a stream or partition directory is a symbolic link
   * or not a directory, or a name is not valid UTF-8. simingest refuses to
   * follow or rewrite it (docs/adr/0011); the message names the path. */
  SIMINGEST_ERR_UNSAFE_LAYOUT = 21,
  /* A handle that is not thread-safe (a simingest_appender) was called from
   * a second thread while a call on it was in progress. The second call did
   * nothing; the first one is unaffected. */
  SIMINGEST_ERR_BUSY = 22,
  /* An assembled query (SIMINGEST_QUERY_ASSEMBLE) found a step whose blocks do
   * not tile the grid: cells no committed block covers (a writer's block is
   * missing) or cells two blocks cover (overlapping blocks). The message names
   * the step and the cells. */
  SIMINGEST_ERR_BLOCK_MISMATCH = 23,
  /* A bug in simingest. Please report the message. */
  SIMINGEST_ERR_INTERNAL = 99
} simingest_status;

/* A static English description of a status, e.g. "unknown stream".
 * Never NULL; an out-of-range value gives "unknown status". */
SIMINGEST_API const char* simingest_status_string(simingest_status status);

/* ---- Data types ---------------------------------------------------------- */

/* Element types of columns. Values are explicit and only ever appended. */
typedef enum simingest_dtype {
  SIMINGEST_FLOAT32 = 1,
  SIMINGEST_FLOAT64 = 2,
  SIMINGEST_INT8 = 3,
  SIMINGEST_INT16 = 4,
  SIMINGEST_INT32 = 5,
  SIMINGEST_INT64 = 6,
  SIMINGEST_UINT8 = 7,
  SIMINGEST_UINT16 = 8,
  SIMINGEST_UINT32 = 9,
  SIMINGEST_UINT64 = 10
} simingest_dtype;

/* `length` value that marks a column as a scalar: `data` points to exactly one
 * element, and that value is recorded for every row of the frame (it is
 * stored dictionary-encoded, never materialised). */
#define SIMINGEST_SCALAR ((size_t)-1)

/* One column of a frame. The data is borrowed for the duration of
 * simingest_ingest() only: it has been copied when the call returns. */
typedef struct simingest_column {
  const char* name;      /* a column declared by the stream */
  simingest_dtype dtype; /* must equal the declared dtype; no conversion */
  const void* data;      /* `length` elements of `dtype`, native byte order,
                            any alignment; may be NULL only when length == 0 */
  size_t length;         /* number of elements, or SIMINGEST_SCALAR */
} simingest_column;

/* ---- Ingestor -------------------------------------------------------------- */

typedef struct simingest_ingestor simingest_ingestor;

/* Open (or create) the dataset directory `path` and start an ingestor with the
 * configuration `config_json` (the JSON document described in the README's
 * configuration reference; the same document every host takes).
 *
 * Reopening a dataset appends to it; a stream that already exists must keep
 * its schema (columns, dtypes, grid, partitioning) or the call fails with
 * SIMINGEST_ERR_SCHEMA_CONFLICT. Opening also finishes or removes what a
 * crashed writer left behind, so readers see exactly the committed files.
 *
 * On success *out receives a handle to release with simingest_close().
 * On failure *out is set to NULL and, if out_error is not NULL, *out_error
 * receives a message naming the problem (free it with simingest_free()).
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_open(const char* path, const char* config_json,
                                              simingest_ingestor** out, char** out_error);

/* Ingest one frame into `stream`: a step, a simulation time and one entry per
 * declared column (any order). All array columns must have the same length,
 * which is the frame's row count; on a stream with a grid that length must be
 * the grid's product (rows in C order). A frame whose columns are all scalars
 * has the grid's product rows on a grid stream and one row otherwise.
 * `time` must be finite, and on a stream partitioned by time floor(time /
 * span) must fit an int64 partition number; otherwise
 * SIMINGEST_ERR_INVALID_ARGUMENT.
 *
 * The frame is validated and its arrays are copied into the engine before the
 * call returns; the caller may reuse its buffers at once. Encoding,
 * compression and writing happen on the engine's threads. When the memory
 * budget is full, the configured backpressure policy applies: "block" waits
 * (up to its timeout), "error" returns SIMINGEST_ERR_BACKPRESSURE, "drop"
 * returns SIMINGEST_OK and counts the frame as dropped in the statistics.
 *
 * A rejected frame leaves no trace in the dataset and is counted as rejected.
 * Frames of one stream are committed in the order their simingest_ingest()
 * calls were made. Thread safety: any number of threads at once. */
SIMINGEST_API simingest_status simingest_ingest(simingest_ingestor* ingestor, const char* stream,
                                                int64_t step, double time,
                                                const simingest_column* columns,
                                                size_t ncolumns);

/* As simingest_ingest(), except that under the "block" policy it never waits:
 * when the frame does not fit in the budget yet, nothing is copied and it
 * returns SIMINGEST_WOULD_BLOCK. Use simingest_notify_room() to learn when to
 * try again. For event-loop hosts. */
SIMINGEST_API simingest_status simingest_ingest_nowait(simingest_ingestor* ingestor,
                                                       const char* stream, int64_t step,
                                                       double time,
                                                       const simingest_column* columns,
                                                       size_t ncolumns);

/* Called once, on an engine thread, after simingest_notify_room(). `status` is
 * SIMINGEST_OK when memory has been released (try again: another caller may
 * have taken the room first), SIMINGEST_ERR_BACKPRESSURE when the block
 * timeout of the configuration has passed since the registration, or
 * SIMINGEST_ERR_CLOSED when the ingestor closes first. The callback must be
 * quick and must not call back into the ingestor. */
typedef void (*simingest_room_callback)(void* user_data, simingest_status status);

/* Register a one-shot callback for when `bytes` of frame data might fit in
 * the budget. If they fit already, the callback runs before this returns.
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_notify_room(simingest_ingestor* ingestor, size_t bytes,
                                                     simingest_room_callback callback,
                                                     void* user_data);

/* ---- Loaned frames (zero-copy ingest) -------------------------------------
 * Instead of handing simingest_ingest() arrays to copy, a solver can borrow
 * the engine's own buffer for a frame, compute its columns straight into it
 * and commit it: the engine then encodes that very memory, no copy made
 * (docs/adr/0022-loaned-frames.md).
 *
 *   simingest_frame* frame = NULL;               // reused by every later begin
 *   simingest_frame_begin(ing, "fields", step, time, &frame);
 *   simingest_frame_column(frame, "vx", &data, &length);   // write length values
 *   simingest_frame_commit(frame);               // or simingest_frame_abort()
 *   ...
 *   simingest_frame_free(&frame);
 *
 * Ownership and lifetime: the column memory belongs to the engine; it may be
 * written (and read) from begin until commit or abort, and never after.
 * Writing past a column's `length` is undefined behaviour (it overwrites the
 * next column or the engine's bookkeeping); AddressSanitizer builds of
 * libsimingest poison the gaps between columns, so ASan reports such a write.
 * The values start undefined (a recycled buffer): write every one.
 * A loan is charged to the memory budget at begin exactly as the same frame
 * given to simingest_ingest() is, and blocks, fails or is refused by the same
 * backpressure policy, except that "drop" refuses a loan with
 * SIMINGEST_ERR_BACKPRESSURE (there is nothing yet to drop).
 * Only streams routed "batch" lend frames.
 *
 * Errors: the message of a failing frame call is simingest_last_error() of the
 * frame's ingestor on the calling thread (of NULL once it is closed). A frame
 * committed or aborted twice, or committed after an abort, gives
 * SIMINGEST_ERR_INVALID_ARGUMENT saying how it ended; a frame still open when
 * its ingestor closes is reclaimed (counted in stats "loans.leaked") and any
 * later commit or abort gives SIMINGEST_ERR_CLOSED.
 * Thread safety: one frame handle must not be used by two threads at once,
 * nor while its ingestor is being closed; different frames of one ingestor
 * may be begun, written and committed on any threads at once. */
typedef struct simingest_frame simingest_frame;

/* Begin a loaned frame of `stream` at `step`, `time` (checked as in
 * simingest_ingest()); the stream must declare a grid, whose product is the
 * frame's row count (else simingest_frame_begin_rows()). `*frame` must be
 * NULL (a handle is allocated) or a handle of an earlier begin whose frame
 * ended (it is reused: no allocation). On failure a handle allocated here is
 * freed and *frame stays NULL; a reused one keeps its ended frame. */
SIMINGEST_API simingest_status simingest_frame_begin(simingest_ingestor* ingestor, const char* stream,
                                                     int64_t step, double time, simingest_frame** frame);
/* As simingest_frame_begin() with an explicit row count, for streams without
 * a grid (on a grid stream `rows` must be 0 or the grid's product). */
SIMINGEST_API simingest_status simingest_frame_begin_rows(simingest_ingestor* ingestor, const char* stream,
                                                          int64_t step, double time, size_t rows,
                                                          simingest_frame** frame);
/* The number of columns of the frame's stream (its declared columns). */
SIMINGEST_API simingest_status simingest_frame_column_count(const simingest_frame* frame, size_t* out_count);
/* The buffer of column `name` of an open frame: *out_data (64-byte aligned)
 * holds *out_length elements of the declared dtype. An undeclared name gives
 * SIMINGEST_ERR_UNKNOWN_COLUMN naming it. */
SIMINGEST_API simingest_status simingest_frame_column(simingest_frame* frame, const char* name, void** out_data,
                                                      size_t* out_length);
/* The same by declared position (0 .. count-1), with its name (valid while
 * the ingestor is open) and dtype; any out-parameter may be NULL. */
SIMINGEST_API simingest_status simingest_frame_column_at(simingest_frame* frame, size_t index,
                                                         const char** out_name, simingest_dtype* out_dtype,
                                                         void** out_data, size_t* out_length);
/* Hand the frame to the engine: its "reject" columns are scanned for
 * non-finite values (SIMINGEST_ERR_NON_FINITE refuses the frame and gives its
 * buffer back), then the buffer is enqueued as simingest_ingest() enqueues
 * its copy, in this call's order among the stream's frames. Either way the
 * frame has ended: its memory must not be touched again. */
SIMINGEST_API simingest_status simingest_frame_commit(simingest_frame* frame);
/* End the frame without writing it; its buffer goes back to the engine. */
SIMINGEST_API simingest_status simingest_frame_abort(simingest_frame* frame);
/* Free a frame handle and set *frame to NULL; NULL or a pointer to NULL is a
 * no-op. A frame still open is given back and counted as leaked. May be
 * called after the ingestor is closed. */
SIMINGEST_API void simingest_frame_free(simingest_frame** frame);

/* Return when every frame ingested (by any thread) before this call began is
 * committed: written, fsynced, renamed into place and listed in the manifest.
 * Files open at that moment are closed, so readers see the data at once.
 * Frames ingested concurrently with the flush may or may not be included.
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_flush(simingest_ingestor* ingestor);

/* Flush, stop the engine's threads, release the dataset and free the handle;
 * sets *ingestor to NULL. NULL or a pointer to NULL is a no-op returning
 * SIMINGEST_OK. If the final flush fails the handle is freed all the same and
 * the failure is returned; its message is then simingest_last_error(NULL) on
 * the calling thread. After simingest_close_async() it waits for that close
 * to finish, frees the handle and returns SIMINGEST_OK (the outcome went to
 * the callback). Must not race with other calls on the same handle. */
SIMINGEST_API simingest_status simingest_close(simingest_ingestor** ingestor);

/* A JSON document of the ingestor's counters: frames accepted, committed,
 * dropped, in flight and rejected; bytes in and written; per stream and in
 * total; memory used and its limit; queue depth; and for each pipeline stage
 * (queue, validate, stats, encode, compress, write, fsync) a count, a total
 * and a log2 histogram of durations in nanoseconds. Keys are camelCase.
 * At every moment accepted = committed + dropped + skippedDuplicate + inFlight
 * (framesSkippedDuplicate: re-run frames a resumeFromStep open skipped).
 * *out_json is owned by the caller: free it with simingest_free().
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_stats_json(simingest_ingestor* ingestor,
                                                    char** out_json);

/* The last durable step of each stream, as a JSON object in configuration
 * order: {"fields": 99, "diagnostics": null}. A step is durable once a
 * committed file (fsynced and listed in the manifest) holds a frame of it; the
 * value is the largest such step, or null if the stream has no committed frame
 * yet. Frames committed before this ingestor opened the dataset count (after
 * a resumeFromStep open: what was kept). A solver may checkpoint its own state
 * at that step and later restart from it with resumeFromStep.
 * *out_json is owned by the caller: free it with simingest_free().
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_checkpoint(simingest_ingestor* ingestor, char** out_json);

/* ---- Appender (rows one at a time) ------------------------------------------
 * For data that comes a row at a time (diagnostics of every solver step): an
 * appender gathers rows of one stream in column buffers inside the library,
 * allocated once when it opens, and hands them to the engine as one frame
 * every `appender.rows` rows (stream configuration, default 65536), once the
 * first pending row is `appender.intervalMs` old (default 100; checked at
 * each append, so a quiet appender keeps its rows until its next append or
 * flush), before a row of another partition, and at flush and close. Each row
 * keeps its own step and time in the dataset and in queries. Appending a row
 * is one copy into those buffers: no allocation, no lock.
 * Streams with a grid, and streams routed "realtime" or "both", take no
 * appender (SIMINGEST_ERR_INVALID_ARGUMENT at open). docs/adr/0021-appender.md.
 *
 * Thread safety: an appender is for one thread at a time. A call made while
 * another thread's call on the same appender is in progress returns
 * SIMINGEST_ERR_BUSY and does nothing. Several appenders (of the same stream
 * or not) may be used from several threads at once. */
typedef struct simingest_appender simingest_appender;

/* Open an appender of `stream`. On success *out receives a handle to release
 * with simingest_appender_close(); on failure *out is untouched and the
 * message is simingest_last_error(ingestor). Statuses: INVALID_ARGUMENT (a
 * NULL argument, a grid stream, a stream routed realtime or both),
 * UNKNOWN_STREAM, CLOSED, OUT_OF_MEMORY (its buffers: appender.rows rows).
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_appender_open(simingest_ingestor* ingestor, const char* stream,
                                                       simingest_appender** out);

/* Bytes of one row of values: the sum of the widths of the stream's columns. */
SIMINGEST_API simingest_status simingest_appender_row_bytes(const simingest_appender* appender, size_t* out_bytes);

/* Append one row: `values` holds the stream's columns in declared order,
 * packed without padding, each in its declared dtype and native byte order
 * (e.g. eight float64 columns: 64 bytes, a double[8]); any alignment. It is
 * copied before the call returns. The library cannot check the layout of
 * raw bytes: a host binding checks arity and types (Node, Python do).
 * `time` must be finite, and values of a column under nonFinite "reject" must
 * be finite (INVALID_ARGUMENT, NON_FINITE; counted as rejected frames).
 * When the row makes the pending rows due (see above) they are handed to the
 * engine first, which applies the backpressure policy like
 * simingest_ingest(); its failure is returned. On any failure this row was
 * not appended; pending rows stay pending for the next hand-off. After
 * resumeFromStep a row with a step the dataset holds is skipped (OK).
 * Statuses besides those: CLOSED (the ingestor closed), BUSY, and those of
 * simingest_ingest(). The message is simingest_appender_last_error(). */
SIMINGEST_API simingest_status simingest_appender_append_row(simingest_appender* appender, int64_t step,
                                                             double time, const void* values);

/* Append `rows` rows in one call, as simingest_appender_append_row() would
 * one at a time: row i has step steps[i], time times[i] and its values at
 * values + i * row_bytes (the same packed layout). For hosts whose per-call
 * cost dominates a row's (Python, Node: issue 15 goal 4). Stops at the first
 * row that fails and returns its status; the message names that row's index.
 * The rows before it were appended, that row and the ones after it were not;
 * *out_appended (may be NULL) receives how many were. rows == 0: OK, nothing
 * is done. Statuses: those of simingest_appender_append_row(),
 * INVALID_ARGUMENT for NULL arrays with rows > 0. Copied before it returns. */
SIMINGEST_API simingest_status simingest_appender_append_rows(simingest_appender* appender, size_t rows,
                                                              const int64_t* steps, const double* times,
                                                              const void* values, size_t* out_appended);

/* Hand the pending rows to the engine now, as one frame (as if
 * simingest_ingest() of it returned: queries see them; simingest_flush() on
 * the ingestor makes them durable). No rows pending: OK, nothing is done.
 * Statuses: CLOSED, BUSY, those of simingest_ingest(). */
SIMINGEST_API simingest_status simingest_appender_flush(simingest_appender* appender);

/* Flush the appender, free it and set *appender to NULL. NULL or a pointer to
 * NULL is a no-op returning OK. If the final flush fails the handle is freed
 * all the same and the failure is returned (message:
 * simingest_appender_last_error(NULL)). An appender may outlive its ingestor:
 * simingest_close() and simingest_close_async() hand every open appender's
 * pending rows to the engine before it closes; the appender then refuses
 * every call but this one with SIMINGEST_ERR_CLOSED. Closing an ingestor
 * must not race with a call on one of its appenders. */
SIMINGEST_API simingest_status simingest_appender_close(simingest_appender** appender);

/* The message of the calling thread's last failed call on an appender
 * (`appender` is not consulted beyond that: the record is per thread, like
 * simingest_last_error()), or "". Valid until that thread's next appender
 * call. Never NULL. */
SIMINGEST_API const char* simingest_appender_last_error(const simingest_appender* appender);

/* ---- Completion without waiting (event-loop hosts) -------------------------
 *
 * simingest_flush_async() and simingest_close_async() return at once; their
 * outcome comes back through a callback. No host thread waits and the host
 * starts no thread of its own for them (docs/adr/0012). */

/* Runs exactly once per registration, on an engine thread (the commit
 * thread for a flush, the closing thread for a close). `status` is what the
 * waiting call (simingest_flush(), simingest_close()) would have returned;
 * `message` names the failure ("" on success, never NULL) and is valid only
 * until the callback returns: copy it to keep it. The callback must be quick
 * (a flush callback holds up commits) and must not call into the ingestor:
 * hand the result to your own thread or event loop. */
typedef void (*simingest_completion_callback)(void* user_data, simingest_status status,
                                              const char* message);

/* simingest_flush() without waiting. Returns SIMINGEST_OK once `callback` is
 * registered; it then runs exactly once, after every frame ingested (by any
 * thread) before this call began is committed (SIMINGEST_OK), or with the
 * failure that kept them from it (e.g. SIMINGEST_ERR_IO). A flush registered
 * after another one's registration returned completes after it. Flushes
 * still pending when the ingestor closes complete before the close's own
 * callback runs (and before simingest_close() returns). Under memory
 * exhaustion during the registration the callback may run, with
 * SIMINGEST_ERR_OUT_OF_MEMORY, before this returns.
 * Any other return value means nothing was registered and the callback never
 * runs: SIMINGEST_ERR_INVALID_ARGUMENT (ingestor or callback NULL),
 * SIMINGEST_ERR_CLOSED (closing or closed), SIMINGEST_ERR_OUT_OF_MEMORY.
 * Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_flush_async(simingest_ingestor* ingestor,
                                                     simingest_completion_callback callback,
                                                     void* user_data);

/* simingest_close() without waiting, except that the handle is not freed.
 * From the moment this returns SIMINGEST_OK every call on the handle but
 * simingest_close() and simingest_last_error() returns SIMINGEST_ERR_CLOSED.
 * On one thread the engine starts for this (once per ingestor) the ingestor
 * then flushes (pending flush callbacks run first; pending room callbacks get
 * SIMINGEST_ERR_CLOSED), stops its worker and commit threads and releases the
 * dataset and its lock; then `callback` runs exactly once with what
 * simingest_close() would have returned, e.g. the failure of the final flush
 * or an earlier storage failure. No other callback of this ingestor runs
 * after it.
 *
 * Release the handle with simingest_close() once the callback has run (not
 * from inside it): that call only joins the closing thread, which ends as
 * the callback returns, frees the handle and returns SIMINGEST_OK. Called
 * before the callback has run, simingest_close() waits for the close to
 * finish (the callback runs before it returns).
 *
 * Any other return value means nothing was started, the callback never runs
 * and the handle is as it was: SIMINGEST_ERR_INVALID_ARGUMENT (ingestor or
 * callback NULL), SIMINGEST_ERR_CLOSED (already closing),
 * SIMINGEST_ERR_RESOURCE_LIMIT (the system refused the thread; simingest_close()
 * still works). Like simingest_close(), must not race with other calls on the
 * same handle; completions of earlier calls may still be pending. */
SIMINGEST_API simingest_status simingest_close_async(simingest_ingestor* ingestor,
                                                     simingest_completion_callback callback,
                                                     void* user_data);

/* ---- Subscriptions (in-process, the realtime path) ---------------------------
 *
 * A subscriber receives the frames the router sends to the realtime path of
 * one stream (route "realtime": every frame; route "both": the steps that are
 * multiples of realtime.everySteps) as they are accepted, from the moment it
 * subscribes (no history: a subscription starts from now). Delivery runs on
 * one delivery thread of the ingestor, never on the ingesting thread. Each
 * subscriber has a bounded queue of copied frames; when it is full, ingest
 * does not wait: the policy drops the oldest queued frame (the gap is counted
 * and reported in the next delivered frame's `dropped_before`) or ends the
 * subscription (SIMINGEST_ERR_BACKPRESSURE). Counters are in stats():
 * realtime.subscriptions. */

typedef enum simingest_subscribe_policy {
  SIMINGEST_SUBSCRIBE_DROP_OLDEST = 0,
  SIMINGEST_SUBSCRIBE_DISCONNECT = 1
} simingest_subscribe_policy;

/* Start from SIMINGEST_SUBSCRIBE_OPTIONS_INIT, which sets struct_size. */
typedef struct simingest_subscribe_options {
  size_t struct_size;                /* sizeof(simingest_subscribe_options), set by the caller */
  size_t queue_frames;               /* frames queued at most, 1 .. 1048576; 0: 256 */
  simingest_subscribe_policy policy; /* what a full queue does */
  int has_from_step;                 /* nonzero: frames with step < from_step are skipped */
  int64_t from_step;
} simingest_subscribe_options;

#define SIMINGEST_SUBSCRIBE_OPTIONS_INIT \
  { sizeof(simingest_subscribe_options), 0, SIMINGEST_SUBSCRIBE_DROP_OLDEST, 0, 0 }

/* One delivered frame. Everything it points to (the stream name, the column
 * table, names and data) is valid only until the callback returns: copy what
 * you keep. Columns come in declared order; a scalar column has length
 * SIMINGEST_SCALAR and one element. Data is aligned for its dtype. */
typedef struct simingest_subscription_frame {
  const char* stream;
  int64_t step;
  double time;
  uint64_t dropped_before; /* frames dropped (dropOldest) just before this one */
  const simingest_column* columns;
  size_t ncolumns;
} simingest_subscription_frame;

/* Called on the ingestor's delivery thread, one call at a time per
 * ingestor, frames of one subscription in ingest order.
 *  - `frame` non-NULL (status SIMINGEST_OK, message ""): a frame. Return 0
 *    to go on; any other value ends the subscription (the end call follows).
 *  - `frame` NULL: the end, exactly once per subscription, after which the
 *    callback is never called again for it (user_data may be released
 *    there). `status` says why: SIMINGEST_OK (simingest_unsubscribe(), or the
 *    callback returned nonzero), SIMINGEST_ERR_BACKPRESSURE (policy
 *    disconnect, queue full), SIMINGEST_ERR_CLOSED (the ingestor closed;
 *    frames queued before the close are delivered first). `message` names it
 *    and is valid during the call. The end call after simingest_unsubscribe()
 *    runs on the thread calling it, before it returns; if the subscription
 *    was already ending (disconnected, closing) it carries that status.
 * The callback must not call simingest_unsubscribe() or simingest_close()
 * (return nonzero instead). A callback that never returns stalls this
 * ingestor's deliveries and its close, never its ingest. */
typedef int (*simingest_subscription_callback)(void* user_data, const simingest_subscription_frame* frame,
                                               simingest_status status, const char* message);

typedef struct simingest_subscription simingest_subscription;

/* Subscribe to `stream`; `options` NULL means the defaults. On success *out
 * receives a handle to release with simingest_unsubscribe() (also after the
 * end call, also after the ingestor closed). Statuses: INVALID_ARGUMENT (a
 * NULL argument, a wrong struct_size, queue_frames or policy out of range,
 * a stream routed "batch": nothing reaches the realtime path),
 * UNKNOWN_STREAM, CLOSED, RESOURCE_LIMIT (the delivery thread, started by
 * the first subscription, was refused). Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_subscribe(simingest_ingestor* ingestor, const char* stream,
                                                   const simingest_subscribe_options* options,
                                                   simingest_subscription_callback callback,
                                                   void* user_data, simingest_subscription** out);

/* End the subscription (unless it has ended already), free the handle and set
 * *subscription to NULL. Waits for a callback of it in progress to return;
 * when this returns, its callback has run its end call and is never called
 * again. A NULL handle (e.g. unsubscribing twice through the same pointer) is
 * SIMINGEST_ERR_INVALID_ARGUMENT; so is a call from inside a subscription
 * callback (nothing is done then). Its message is simingest_last_error(NULL).
 * Valid after the ingestor has closed. Thread safety: any thread, not two
 * calls on the same handle at once. */
SIMINGEST_API simingest_status simingest_unsubscribe(simingest_subscription** subscription);

/* ---- Inspect --------------------------------------------------------------- */

/* A summary of the dataset at `path`, read from its manifest alone: the JSON
 * document `simingest inspect --json` prints. Per stream: its columns (step,
 * time, then the declared ones) with dtype, raw and stored bytes and
 * compression ratio; grid; partitioning and the partitions present; step and
 * time ranges; files, row groups, frames, rows and bytes on disk; per column
 * min, max and NaN count and the time index statistics ("index": frames,
 * average time delta, a 20-bin histogram of frame times), read from the
 * manifest's row-group index; the Parquet schema of the stream's newest file
 * (the one footer read). A per-file listing ("fileList"). Also the
 * manifest format version, the files and bytes of the whole dataset, every
 * quarantined file, and "manifestSource": "manifest.json", or
 * "manifest.bak.json (manifest.json missing)" / "manifest.bak.json
 * (manifest.json damaged: <why>)" when the primary copy failed its checks
 * (the next simingest_open() repairs it). The manifest is read and checked
 * exactly as simingest_open() reads it.
 *
 * Read-only: takes no lock and changes nothing, so it may run while an
 * ingestor (in this or another process) holds the dataset and commits.
 *
 * On success *out_json receives the document. On failure *out_json is set to
 * NULL and, if out_error is not NULL, *out_error receives a message naming the
 * problem; the message is also simingest_last_error(NULL). Both strings are
 * owned by the caller: free them with simingest_free(). Statuses:
 * SIMINGEST_ERR_INVALID_ARGUMENT (path or out_json NULL, path empty),
 * SIMINGEST_ERR_IO (no manifest at `path`: "<path>/_simingest/manifest.json:
 * not a simingest dataset (no manifest)", or a copy cannot be read),
 * SIMINGEST_ERR_CORRUPT (copies exist but none passes its checks; the message
 * names each and why). Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_inspect_json(const char* path, char** out_json, char** out_error);

/* The full verification of the dataset at `path`, reported: the JSON document
 * `simingest verify` prints. Both manifest copies are read and checked, and
 * every file the manifest lists is checked as verifyOnOpen "full" checks it
 * (size, "PAR1" at both ends, footer length and CRC-32C, whole-file CRC-32C):
 *   { "path", "manifestSource", "ok", "manifests": [{ "path", "ok", "problem"? }],
 *     "files": [{ "path", "stream", "bytes", "ok", "problem"? }],
 *     "filesChecked", "filesFailed", "bytesChecked" }
 * "ok" is false when a manifest copy is damaged or missing or any file fails;
 * that is still SIMINGEST_OK (the document says what failed). Reads every
 * byte of every file: time grows with the dataset.
 *
 * Read-only, like simingest_inspect_json(): no lock, nothing repaired or
 * moved (simingest_open() quarantines). Ownership, out_error and the statuses
 * for a missing or wholly damaged manifest are those of
 * simingest_inspect_json(). Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_verify_json(const char* path, char** out_json, char** out_error);

/* ---- Arrow C data and stream interfaces ------------------------------------ */

/* The standard structs of the Arrow C data interface and C stream interface
 * (arrow.apache.org/docs/format/CDataInterface.html, CStreamInterface.html),
 * under their usual guards so a program that also includes Arrow's own
 * definition compiles. Queries return record batches through them: pyarrow
 * (RecordBatchReader._import_from_c, the __arrow_c_stream__ PyCapsule), DuckDB,
 * polars and any Arrow implementation import them without a copy. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

/* ---- Query ------------------------------------------------------------------ */

/* What a query selects from one stream. Ranges are inclusive; a frame is in
 * the result when it passes every selection given. Start from
 * SIMINGEST_QUERY_SPEC_INIT, which sets struct_size and every = 1.
 *
 * The result is an Arrow stream of record batches (a struct array per batch,
 * format "+s") whose columns are `step` (int64), `time` (float64), then the
 * selected columns in the order asked for (all declared columns in declared
 * order when `columns` is NULL), with the Arrow type of their dtype (float32
 * "f", float64 "g", int8 "c" … uint64 "L"); no nulls, except in a stream
 * whose schema evolved (config schemaEvolution "additive", docs/ON_DISK.md
 * "Schema evolution"): a dataset's query then returns every column any schema
 * version declared with its widest type, and a column some version lacks is
 * ARROW_FLAG_NULLABLE, its rows from files without it null (a validity
 * buffer, present only in batches holding a null); an ingestor's query
 * returns its configuration's columns, read the same way. Rows come in ingest
 * order, a frame's rows together (a grid frame's cells in C order), so a grid
 * frame of a query with SIMINGEST_QUERY_BATCH_PER_FRAME is exactly one batch. */
typedef struct simingest_query_spec {
  size_t struct_size;          /* sizeof(simingest_query_spec), set by the caller */
  const char* const* columns;  /* names of the columns wanted; NULL: all of them */
  size_t ncolumns;             /* entries in `columns` */
  int has_steps;               /* nonzero: only steps in [step_from, step_to] */
  int64_t step_from;
  int64_t step_to;
  int has_time;                /* nonzero: only times in [time_from, time_to] (finite) */
  double time_from;
  double time_to;
  int64_t every;               /* >= 1: only steps with (step - anchor) % every == 0, where
                                  anchor is step_from when has_steps, else 0 */
  uint32_t flags;              /* SIMINGEST_QUERY_* flags, 0 for none */
  uint64_t memory_limit;       /* bytes of batches alive at once; 0: the ingestor's
                                  queryMemoryLimit (a dataset handle: 4 GiB) */
} simingest_query_spec;

/* One record batch per frame instead of per stored row group. */
#define SIMINGEST_QUERY_BATCH_PER_FRAME 1u
/* A grid stream written in blocks (config `block`): one batch per step, in
 * step order, holding the whole grid in C order, each row placed by the
 * `cell` its writer stored (docs/MULTI_WRITER.md). The steps selected are
 * held until the last row is read, within memory_limit. A step whose blocks
 * leave cells uncovered or cover a cell twice fails get_next with
 * SIMINGEST_ERR_BLOCK_MISMATCH naming the step and the cells. Other streams:
 * INVALID_ARGUMENT. */
#define SIMINGEST_QUERY_ASSEMBLE 2u

#define SIMINGEST_QUERY_SPEC_INIT \
  { sizeof(simingest_query_spec), NULL, 0, 0, 0, 0, 0, 0.0, 0.0, 1, 0u, 0 }

/* Query a stream of an open ingestor. The result holds every frame whose
 * simingest_ingest() returned before this call began (committed, written but
 * not yet committed, or still in the engine's queues and buffers) exactly
 * once, in ingest order, and no frame ingested after this call returned;
 * never a dropped or rejected frame, never a frame retired by resumeFromStep.
 * On SIMINGEST_OK `*out` is a live stream: the caller calls its release.
 * Batches are produced lazily; get_next fails (a nonzero errno, its message
 * from get_last_error, its status from simingest_query_stream_status) when a
 * file cannot be read or the batches alive would exceed the memory limit
 * (SIMINGEST_ERR_RESOURCE_LIMIT). Statuses of the call: INVALID_ARGUMENT (a
 * NULL argument, a wrong struct_size, an inverted or NaN range, every < 1),
 * UNKNOWN_STREAM, UNKNOWN_COLUMN, CLOSED; the message names the problem. */
SIMINGEST_API simingest_status simingest_query(simingest_ingestor* ingestor, const char* stream,
                                               const simingest_query_spec* spec, struct ArrowArrayStream* out);

/* The status of the last failure of a stream made by simingest_query() or
 * simingest_dataset_query(); SIMINGEST_OK if none failed, and
 * SIMINGEST_ERR_INVALID_ARGUMENT for a NULL, released or foreign stream. */
SIMINGEST_API simingest_status simingest_query_stream_status(struct ArrowArrayStream* stream);

/* A read-only view of a dataset for another process (or this one): takes no
 * lock and changes nothing, so it is safe while an ingestor writes. Each query
 * reads the manifest as it is at that moment (committed files only). */
typedef struct simingest_dataset simingest_dataset;

/* Open the dataset at `path`. On failure *out is NULL and *out_error (if not
 * NULL; free it with simingest_free) names the problem: IO (no manifest: not
 * a simingest dataset), CORRUPT (no copy of the manifest passes its checks). */
SIMINGEST_API simingest_status simingest_dataset_open(const char* path, simingest_dataset** out, char** out_error);

/* simingest_query() on the dataset's committed files. Errors as there, plus
 * IO/CORRUPT when the manifest or a file listed in it cannot be read; the
 * message is simingest_dataset_last_error(dataset). */
SIMINGEST_API simingest_status simingest_dataset_query(simingest_dataset* dataset, const char* stream,
                                                       const simingest_query_spec* spec,
                                                       struct ArrowArrayStream* out);

/* The streams of the dataset and their schemas, as JSON:
 * {"streams": [{"name": "...", "schema": {...the stream's configuration...}}]}. */
SIMINGEST_API simingest_status simingest_dataset_streams_json(simingest_dataset* dataset, char** out_json);

/* The message of the calling thread's last failed call on `dataset`; "" if
 * none. Never NULL. */
SIMINGEST_API const char* simingest_dataset_last_error(const simingest_dataset* dataset);

/* Close the handle and set *dataset to NULL. Streams it returned stay valid
 * until released. NULL or *dataset NULL: no-op. */
SIMINGEST_API void simingest_dataset_close(simingest_dataset** dataset);

/* Subscribe from another process (or this one) to `stream`'s realtime log on
 * disk: frames as the ingestor writing the dataset appends them to
 * _realtime/<stream>/ (docs/ON_DISK.md "The realtime log"), through the same
 * callback and frame struct as simingest_subscribe(). A thread of the
 * subscription follows the log (inotify; polling every N ms when the
 * environment sets SIMINGEST_TAIL_POLL_MS=N) and calls `callback` once per
 * record, in log order, from every complete block (a block the file ends
 * inside is waited for). `options` NULL means the defaults; only
 * has_from_step/from_step apply: without it the subscription starts at the
 * end of the log now, with it at the oldest segment on disk, skipping steps
 * below from_step (history as far as the log holds it). queue_frames and
 * policy do not apply: the log is the queue, a slow callback falls behind on
 * disk and never drops a frame (`dropped_before` is 0).
 *
 * The end call (`frame` NULL) comes exactly once: SIMINGEST_OK after
 * simingest_unsubscribe() (on its thread) or a nonzero callback return;
 * SIMINGEST_ERR_CORRUPT when a complete block does not check out (sync
 * marker, codec, records), the file is not an Avro container of the stream's
 * schema, or it shrank below what was read — the message names the file and
 * the byte; SIMINGEST_ERR_BACKPRESSURE when segments were retired (compacted
 * into Parquet) before the subscription read them — the message names them
 * and the last step delivered; no frame is delivered twice; SIMINGEST_ERR_IO
 * when reading fails. The end call may run before this function returns.
 *
 * Statuses: INVALID_ARGUMENT (a NULL argument, a wrong struct_size, a stream
 * with no realtime log: route "batch"), UNKNOWN_STREAM, CORRUPT (starting
 * from now, the newest segment is damaged), RESOURCE_LIMIT (no thread). The message is simingest_dataset_last_error(dataset). Release the
 * handle with simingest_unsubscribe(); it stays valid after
 * simingest_dataset_close(). Thread safety: any thread. */
SIMINGEST_API simingest_status simingest_dataset_subscribe(simingest_dataset* dataset, const char* stream,
                                                           const simingest_subscribe_options* options,
                                                           simingest_subscription_callback callback,
                                                           void* user_data, simingest_subscription** out);

/* The message of the last call made by the calling thread on `ingestor` that
 * failed, or "" if none did. Owned by the library; valid until the calling
 * thread's next call on any ingestor. NULL handle: the message of the calling
 * thread's last failure on a NULL handle. Never returns NULL. */
SIMINGEST_API const char* simingest_last_error(const simingest_ingestor* ingestor);

/* Release a string or buffer returned by this library. NULL is a no-op. */
SIMINGEST_API void simingest_free(void* pointer);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIMINGEST_H */
