// `simingest verify DATASET` (simingest_verify_json in the C ABI): the full
// verification of a dataset, reported instead of repaired — both manifest
// copies, and every file the manifest lists checked like verifyOnOpen
// "full" does (size, magic, footer length and CRC-32C, whole-file CRC-32C;
// storage/verify.hpp). Nothing is locked, moved or written, so it may run
// while a writer holds the dataset (a file committed meanwhile is simply not
// listed yet).
#pragma once

#include <string>

namespace simingest::storage {

// The report as an indented JSON document:
//   { "path", "manifestSource", "ok",
//     "manifests": [ { "path", "ok", "problem"? } ],
//     "files": [ { "path", "stream", "bytes", "ok", "problem"? } ],
//     "filesChecked", "filesFailed", "bytesChecked" }
// "ok" is true when no manifest copy is damaged or missing and every file
// passes. Throws (as load_manifest_copies) Error(io) when `root` holds no
// manifest or a copy cannot be read, Error(corrupt) when no copy is good.
// A shared dataset (storage/shared_dataset.hpp) reports "manifestSource":
// "writers" and every writer's copies and files, paths under its directory.
std::string verify_report_json(const std::string& root);

}  // namespace simingest::storage
