// resumeFromStep: a solver that restarts from its checkpoint at step N opens
// the dataset with resumeFromStep N, and the frames after N already in the
// dataset are retired — moved aside under _simingest/retired/, never deleted,
// and reported in RecoveryReport::retired — so that readers see each step once
// when the re-run writes them again (docs/RELIABILITY.md).
//
// Per committed file (the manifest's stepMin/stepMax say which):
//   - every step after N: the file is retired whole;
//   - steps on both sides of N: a new file with exactly its rows of steps
//     <= N is written (parquet/step_split.hpp) and committed, then the
//     original is retired;
//   - no step after N: untouched.
//
// A retirement is one directory _simingest/retired/<id>/ (<id> = UTC time of
// the open and the writer id) holding the originals at their relative paths
// and the plan, intent.json while in progress, retired.json once done. Order,
// so that a crash at any point loses no frame and leaves a state the next
// open completes:
//   1. write the kept files under their hidden in-progress names;
//   2. write intent.json (durably): originals, kept-file names, counts;
//   3. commit each kept file (manifest first, then its rename);
//   4. rename each original into the retirement directory (fsync both
//      directories);
//   5. write the manifest without the originals;
//   6. rename intent.json to retired.json.
// A crash before 2 leaves nothing but hidden files, which recovery deletes.
// From 2 on, every open (with or without resumeFromStep) finds intent.json
// and rolls the retirement forward before anything else: a kept file that
// was not committed is written again (under a new name, the intent updated
// first), a committed one is reused, originals still in place are moved.
// Between 3 and 4 a reader that globs the directory may briefly see a kept
// frame twice; the manifest and every open after the crash never do.
#pragma once

#include <cstdint>
#include <optional>

namespace simingest::storage {

class Dataset;

// Called by Dataset::open once recovery is done: rolls forward any
// retirement a crash interrupted, then, if `resume_from_step` is set,
// retires the frames after it. Fills the dataset's RecoveryReport::retired.
// Throws Error (io, no_space, corrupt naming the file) like the rest of open.
void resume_dataset(Dataset& dataset, const std::optional<int64_t>& resume_from_step);

}  // namespace simingest::storage
