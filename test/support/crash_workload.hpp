// Test-only: the crash workload shared by the crash-point sweep and the
// salvage tests (native/storage/crash_point_sweep_test.cpp,
// journal_salvage_test.cpp), and the check that a dataset recovered after a
// fault is exactly a committed prefix of it:
//   - every file the manifest lists exists with the listed size, and every
//     visible *.parquet file is listed; after recovery no in-progress file or
//     journal is left;
//   - every frame flushed before the fault is there, values exact (read back
//     by plain_parquet_reader.hpp, written from the spec);
//   - per stream, the frames are steps 0..n-1, each exactly once;
//   - each manifest entry's rows, frames and step range match its file.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "pipeline/engine.hpp"
#include "storage/dataset.hpp"
#include "storage/file_ops.hpp"
#include "support/fault_injecting_file_ops.hpp"
#include "support/deadline.hpp"
#include "support/plain_parquet_reader.hpp"
#include "support/scratch_directory.hpp"

namespace simingest::testing_support::crash_workload {

// ---- the workload ------------------------------------------------------------
// Two streams; "a" is partitioned by 4 steps, so files close at partition
// ends as well as at flushes. Every frame is its own row group (rowGroupBytes
// is the minimum), so a file in progress holds several journaled row groups.
inline constexpr int kSteps = 10;
inline constexpr std::size_t kRows = 300;
inline const std::set<int> kFlushAfter = {2, 5, 9};
inline const char* const kStreams[] = {"a", "b"};

inline const char* const kConfig =
    R"({"streams":{)"
    R"("a":{"columns":{"u":{"dtype":"float64","encoding":"plain"},"k":{"dtype":"int64","encoding":"plain"}},)"
    R"("partition":{"steps":4}},)"
    R"("b":{"columns":{"v":{"dtype":"float32","encoding":"plain"}}}},)"
    R"("compression":{"codec":"none"},"rowGroupBytes":4096,"workers":1})";

inline double value_u(int64_t step, std::size_t row) { return static_cast<double>(step) * 1000.0 + static_cast<double>(row) + 0.25; }
inline int64_t value_k(int64_t step, std::size_t row) { return step * 1000003 - static_cast<int64_t>(row) * 7; }
inline float value_v(int64_t step, std::size_t row) { return static_cast<float>(step) * 10.0f + static_cast<float>(row) * 0.5f; }
inline double time_of(int64_t step) { return static_cast<double>(step) * 0.125; }

template <class T>
inline uint64_t bits_of(T value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof value);
  return bits;
}

inline Status ingest(Engine& engine, const std::string& stream, int64_t step, std::string& message) {
  std::vector<double> u(kRows);
  std::vector<int64_t> k(kRows);
  std::vector<float> v(kRows);
  for (std::size_t r = 0; r < kRows; ++r) {
    u[r] = value_u(step, r);
    k[r] = value_k(step, r);
    v[r] = value_v(step, r);
  }
  if (stream == "a") {
    simingest_column columns[] = {{"u", SIMINGEST_FLOAT64, u.data(), kRows}, {"k", SIMINGEST_INT64, k.data(), kRows}};
    return engine.ingest("a", step, time_of(step), columns, 2, false, message);
  }
  simingest_column column{"v", SIMINGEST_FLOAT32, v.data(), kRows};
  return engine.ingest("b", step, time_of(step), &column, 1, false, message);
}

struct RunOutcome {
  Status error = Status::ok;  // the first error the host saw
  std::string message;
  bool refused_after_error = true;  // an ingest after the error was refused
  bool flush_failed_after_error = true;  // and so was a flush
  std::map<std::string, int64_t> flushed;  // stream → steps 0..n-1 flushed
  bool fired = false;
  std::string fired_at;
  uint64_t operations = 0;
};

inline RunOutcome run_workload(const std::string& root, FaultInjectingFileOps& ops) {
  RunOutcome out;
  {
    storage::ScopedFileOps installed(ops);
    std::unique_ptr<Engine> engine;
    auto fail = [&](Status status, const std::string& message) {
      if (out.error == Status::ok) {
        out.error = status;
        out.message = message;
      }
    };
    try {
      engine = Engine::open(root, kConfig);
    } catch (const Error& e) {
      fail(e.status(), e.what());
    }
    if (engine) {
      std::string message;
      for (int step = 0; step < kSteps && out.error == Status::ok; ++step) {
        for (const char* stream : kStreams) {
          const Status status = ingest(*engine, stream, step, message);
          if (status != Status::ok) {
            fail(status, message);
            break;
          }
        }
        if (out.error != Status::ok || !kFlushAfter.count(step)) continue;
        try {
          engine->flush();
          for (const char* stream : kStreams) out.flushed[stream] = step + 1;
        } catch (const Error& e) {
          fail(e.status(), e.what());
        }
      }
      if (out.error != Status::ok) {
        std::string refused;
        out.refused_after_error = ingest(*engine, "a", 1000, refused) != Status::ok;
        try {
          engine->flush();
          out.flush_failed_after_error = false;
        } catch (const Error&) {
        }
      }
      try {
        engine->close();
      } catch (const Error& e) {
        fail(e.status(), e.what());
      }
      engine.reset();
    }
  }
  out.fired = ops.fired();
  out.fired_at = ops.fired_at();
  out.operations = ops.operations();
  return out;
}

// ---- the check -----------------------------------------------------------------

struct Verdict {
  std::vector<std::string> violations;
  storage::RecoveryReport report;
  std::map<std::string, int64_t> steps;  // stream → frames present (steps 0..n-1)
  std::set<std::string> listed;          // paths the manifest lists
};

inline bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Checks one listed file's content against the workload and the entry.
inline void check_file(const std::string& root, const storage::ManifestFile& entry, std::map<std::string, std::vector<int64_t>>& seen,
                std::vector<std::string>& violations) {
  auto violation = [&](const std::string& what) { violations.push_back(entry.path + ": " + what); };
  testing_support::PlainParquetFile file;
  try {
    file = testing_support::read_plain_parquet(root + "/" + entry.path);
  } catch (const std::exception& e) {
    violation(std::string("unreadable: ") + e.what());
    return;
  }
  if (file.num_rows != entry.rows) violation("rows " + std::to_string(file.num_rows) + " != listed " + std::to_string(entry.rows));
  if (static_cast<int64_t>(file.row_group_rows.size()) != entry.row_groups) violation("row group count differs from the manifest");
  const auto& steps = file.columns["step"];
  const auto& times = file.columns["time"];
  std::set<int64_t> frames;
  for (std::size_t i = 0; i < steps.size();) {
    const auto step = static_cast<int64_t>(steps[i]);
    if (!frames.insert(step).second) {
      violation("step " + std::to_string(step) + " appears in two places");
      return;
    }
    if (i + kRows > steps.size()) {
      violation("step " + std::to_string(step) + " is partial");
      return;
    }
    for (std::size_t r = 0; r < kRows; ++r, ++i) {
      bool exact = static_cast<int64_t>(steps[i]) == step && times[i] == bits_of(time_of(step));
      if (entry.stream == "a")
        exact = exact && file.columns["u"][i] == bits_of(value_u(step, r)) &&
                file.columns["k"][i] == static_cast<uint64_t>(value_k(step, r));
      else
        exact = exact && file.columns["v"][i] == bits_of(value_v(step, r));
      if (!exact) {
        violation("step " + std::to_string(step) + " row " + std::to_string(r) + " differs from what was ingested");
        return;
      }
    }
    seen[entry.stream].push_back(step);
  }
  if (static_cast<int64_t>(frames.size()) != entry.frames) violation("frames differ from the manifest");
  if (!frames.empty() && (*frames.begin() != entry.step_min || *frames.rbegin() != entry.step_max))
    violation("step range differs from the manifest");
}

inline Verdict check_dataset(const std::string& root, const std::map<std::string, int64_t>& flushed, bool recover) {
  namespace fs = std::filesystem;
  Verdict verdict;
  auto& violations = verdict.violations;
  std::vector<storage::ManifestFile> files;
  try {
    // Recovery runs the real code; only its fsyncs are modelled instead of
    // paid for (the injector without a fault), which keeps the sweep fast.
    FaultInjectingFileOps no_faults(root, FaultPlan{});
    storage::ScopedFileOps installed(no_faults);
    storage::OpenOptions options;
    options.recover = recover;
    auto dataset = storage::Dataset::open(root, options);
    files = dataset->files();
    verdict.report = dataset->recovery();
  } catch (const Error& e) {
    violations.push_back(std::string("reopening failed: ") + e.what());
    return verdict;
  }

  std::set<std::string>& listed = verdict.listed;
  std::map<std::string, std::vector<int64_t>> seen;
  for (const storage::ManifestFile& entry : files) {
    listed.insert(entry.path);
    std::error_code ec;
    const auto size = fs::file_size(root + "/" + entry.path, ec);
    if (ec) {
      violations.push_back(entry.path + ": listed but missing");
      continue;
    }
    if (size != entry.bytes) {
      violations.push_back(entry.path + ": " + std::to_string(size) + " bytes, listed " + std::to_string(entry.bytes));
      continue;
    }
    check_file(root, entry, seen, violations);
  }
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string relative = fs::relative(it->path(), root).string();
    if (it->is_directory() && relative == "_simingest") {
      it.disable_recursion_pending();
      continue;
    }
    const std::string name = it->path().filename().string();
    if (ends_with(name, ".parquet") && name[0] != '.' && !listed.count(relative))
      violations.push_back(relative + ": visible to readers but not listed");
    if (recover && (ends_with(name, ".inprogress") || ends_with(name, ".journal")))
      violations.push_back(relative + ": left over after recovery");
  }
  for (const char* stream : kStreams) {
    std::vector<int64_t>& steps = seen[stream];
    std::sort(steps.begin(), steps.end());
    for (std::size_t i = 0; i < steps.size(); ++i)
      if (steps[i] != static_cast<int64_t>(i)) {
        violations.push_back(std::string("stream ") + stream + ": frames are not steps 0..n-1 exactly once");
        break;
      }
    verdict.steps[stream] = static_cast<int64_t>(steps.size());
    auto f = flushed.find(stream);
    const int64_t must = f == flushed.end() ? 0 : f->second;
    if (static_cast<int64_t>(steps.size()) < must)
      violations.push_back(std::string("stream ") + stream + ": " + std::to_string(must) + " frames flushed, " +
                           std::to_string(steps.size()) + " present");
  }
  return verdict;
}

// ---- a crash with a file in progress -------------------------------------------

// The journal next to stream a's file in progress in part=0 ("" if none).
inline std::string journal_of_stream_a(const std::string& root) {
  const std::string dir = root + "/a/part=0";
  if (!std::filesystem::exists(dir)) return "";
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (ends_with(entry.path().string(), ".inprogress.journal")) return entry.path().string();
  return "";
}

inline storage::JournalContents read_journal(const std::string& path) {
  const std::string bytes = testing_support::read_text_file(path);
  return storage::parse_journal(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Step 0 of stream a is flushed (committed); steps 1..3 are written and
// journaled in a second file, then the process "dies".
inline void crash_with_journaled_row_groups(const std::string& root) {
  FaultInjectingFileOps ops(root);
  {
    storage::ScopedFileOps installed(ops);
    auto engine = Engine::open(root, kConfig);
    std::string message;
    ASSERT_EQ(ingest(*engine, "a", 0, message), Status::ok) << message;
    engine->flush();
    for (int step = 1; step <= 3; ++step) ASSERT_EQ(ingest(*engine, "a", step, message), Status::ok) << message;
    // The commit thread writes the row groups without committing them: wait
    // until the journal records all three.
    // (A hang here aborts the binary instead of stalling the suite.)
    testing_support::within(std::chrono::seconds(60), "waiting for the journal", [&] {
      for (;;) {
        const std::string journal = journal_of_stream_a(root);
        if (!journal.empty() && read_journal(journal).records.size() == 3) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    ops.crash_now(CrashModel::process_kill);
    EXPECT_THROW(engine->close(), Error);  // its final commit cannot reach the disk
  }
  ops.settle();  // kill -9: the disk keeps what the kernel had
}

}  // namespace simingest::testing_support::crash_workload
