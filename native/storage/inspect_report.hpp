// The summary `simingest inspect` prints (simingest_inspect_json in the C
// ABI): per stream the schema, grid, partitioning and partitions present,
// step and time ranges, files, row groups, frames, rows, bytes on disk and raw
// and stored bytes per column, value ranges per column and the time index
// statistics (storage/index_statistics.hpp), all read from the manifest alone
// (it lists exactly the committed files); the one footer read is the newest
// file's per stream, for the Parquet schema (storage/parquet_schema_report.hpp).
//
// The manifest is read by load_manifest_copies, the loader opening a dataset
// uses: the same checks (structure, CRC-32C) and the same choice of copy (the
// backup when the primary is missing or damaged, and the summary says why).
// Nothing is locked or written, so a dataset a writer holds open can be
// inspected while it keeps committing; a damaged copy is reported, not
// repaired (the next open repairs it).
#pragma once

#include <string>

namespace simingest::storage {

// The summary of the dataset at `root` as an indented JSON document:
//
//   { "path", "formatVersion", "manifestSource", "streams": [ { "name",
//     "columns": [ { "name", "dtype", "uncompressedBytes", "compressedBytes",
//     "compressionRatio", "min", "max", "nanCount" } ], "grid", "partitioning",
//     "partitions", "files", "frames", "rows", "rowGroups", "bytes", "steps",
//     "time", "index", "parquetSchema", "parquetSchemaFile"? ,
//     "parquetSchemaError"? } ], "files", "bytes", "quarantined": [ { "path",
//     "movedTo", "reason", "framesLost" } ], "fileList": [ { "path", "stream",
//     "partition", "rows", "frames", "rowGroups", "bytes", "steps", "time",
//     "indexed", "committedAt" } ] }
//
// "manifestSource" is "manifest.json", or "manifest.bak.json (manifest.json
// missing)" / "manifest.bak.json (manifest.json damaged: <why>)". Throws
// Error(io) naming the manifest path when `root` holds no manifest,
// Error(corrupt) (as load_manifest_copies) when no copy is good.
//
// A shared dataset (storage/shared_dataset.hpp) is reported as the union of
// its writers' manifests ("manifestSource": "writers", every path under its
// writer's directory) plus "writers": { "count", "present", "writers": [ {
// "id", "path", "manifestSource", "files", "lastDurableSteps": {stream: step
// or null} } ], "jobDurableSteps": {stream: the last step durable on every
// writer, or null} }.
std::string inspect_report_json(const std::string& root);

}  // namespace simingest::storage
