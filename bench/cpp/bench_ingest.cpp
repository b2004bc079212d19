// bench_ingest: the C++ host contender of `npm run bench` (bench/run.mjs).
//
// It drives libsimingest through include/simingest.hpp only, the way a
// simulation would, on frames generated once by bench/python/frames.py and
// read from raw files before any clock starts. One mode per process:
//
//   bench_ingest throughput SPEC.json   large frames, wall time first ingest -> committed
//   bench_ingest small SPEC.json        one-row frames of scalar float64 columns
//   bench_ingest hostcost SPEC.json     the host thread's ingest() vs memcpy of the same frame
//   bench_ingest long SPEC.json         peak RSS while ingesting many GB (--long)
//   bench_ingest routecost SPEC.json    throughput routed "batch" vs "both" (issue 13)
//
// SPEC.json is written by run.mjs (keys below); the result is one JSON object
// on stdout. Nothing here judges a number: run.mjs compares them.
#include <simingest.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "thread_cpu.hpp"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A kB field of /proc/self/status ("VmHWM", "VmRSS") in bytes; 0 if absent.
uint64_t proc_status_bytes(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::size_t key_length = std::strlen(key);
  while (std::getline(status, line)) {
    if (line.compare(0, key_length, key) == 0 && line.size() > key_length && line[key_length] == ':')
      return std::stoull(line.substr(key_length + 1)) * 1024;
  }
  return 0;
}

// Element storage aligned for any column dtype.
struct Buffer {
  std::vector<uint64_t> words;
  const unsigned char* bytes() const { return reinterpret_cast<const unsigned char*>(words.data()); }
};

// Reads `length` bytes at `offset` of `path`; touching every page now keeps
// page faults of the input out of the timed region.
Buffer read_bytes(const std::string& path, uint64_t offset, uint64_t length) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  Buffer buffer;
  buffer.words.resize((length + 7) / 8);
  file.seekg(static_cast<std::streamoff>(offset));
  file.read(reinterpret_cast<char*>(buffer.words.data()), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(file.gcount()) != length) throw std::runtime_error("short read of " + path);
  return buffer;
}

simingest_dtype dtype_named(const std::string& name) {
  if (name == "float32") return SIMINGEST_FLOAT32;
  if (name == "float64") return SIMINGEST_FLOAT64;
  throw std::runtime_error("bench: unsupported dtype " + name);
}

std::size_t dtype_size(simingest_dtype dtype) { return dtype == SIMINGEST_FLOAT32 ? 4 : 8; }

// A grid case in the field-major layout of frames.py: all frames of field 0,
// then all frames of field 1, ... Frame i of field f starts at
// (f * frames + i) * elements elements.
struct GridCase {
  std::vector<std::string> fields;
  simingest_dtype dtype = SIMINGEST_FLOAT32;
  uint64_t frames = 0;
  uint64_t elements = 0;  // per field and frame
  double dt = 0;
  Buffer data;
  uint64_t frame_bytes() const { return fields.size() * elements * dtype_size(dtype); }
  const unsigned char* field(std::size_t f, uint64_t frame) const {
    return data.bytes() + ((f * frames + frame) * elements) * dtype_size(dtype);
  }
  std::vector<simingest::Column> columns(uint64_t frame) const {
    std::vector<simingest::Column> result;
    result.reserve(fields.size());
    for (std::size_t f = 0; f < fields.size(); ++f)
      result.emplace_back(fields[f].c_str(), dtype, field(f, frame), elements);
    return result;
  }
};

// Loads the first `frames` frames of every field (all when 0).
GridCase load_grid_case(const json& spec, uint64_t frames = 0) {
  GridCase c;
  c.fields = spec.at("fields").get<std::vector<std::string>>();
  c.dtype = dtype_named(spec.at("dtype").get<std::string>());
  const uint64_t stored = spec.at("frames").get<uint64_t>();
  c.frames = frames == 0 ? stored : std::min(frames, stored);
  c.elements = spec.at("elements").get<uint64_t>();
  c.dt = spec.at("dt").get<double>();
  const std::size_t item = dtype_size(c.dtype);
  const uint64_t field_bytes = c.frames * c.elements * item;
  c.data.words.resize((c.fields.size() * field_bytes + 7) / 8);
  auto* out = reinterpret_cast<unsigned char*>(c.data.words.data());
  for (std::size_t f = 0; f < c.fields.size(); ++f) {
    Buffer part = read_bytes(spec.at("data").get<std::string>(), f * stored * c.elements * item, field_bytes);
    std::memcpy(out + f * field_bytes, part.bytes(), field_bytes);
  }
  return c;
}

std::string config_text(const json& spec) { return spec.at("config").dump(); }

json stats_of(const simingest::Ingestor& ingestor) { return json::parse(ingestor.stats_json()); }

// Frame buffers the engine allocated fresh (each one's pages are faulted in
// on first touch); the rest came from its pool's cache.
uint64_t pool_allocations(const json& stats) {
  uint64_t total = 0;
  for (const auto& node : stats.at("numa").at("nodes")) total += node.at("poolAllocations").get<uint64_t>();
  return total;
}

json memory_fields(uint64_t rss_after_load) {
  return {{"peakRssBytes", proc_status_bytes("VmHWM")}, {"rssAfterLoadBytes", rss_after_load}};
}

json run_throughput(const json& spec) {
  GridCase c = load_grid_case(spec);
  const uint64_t rss_after_load = proc_status_bytes("VmRSS");
  const auto cpu_at_open = bench::thread_cpu_seconds();  // the host's CPU spent loading frames
  simingest::Ingestor ingestor(spec.at("out").get<std::string>(), config_text(spec));
  const std::string stream = spec.at("stream").get<std::string>();
  const auto start = Clock::now();
  for (uint64_t i = 0; i < c.frames; ++i) {
    const auto columns = c.columns(i);
    ingestor.ingest(stream.c_str(), static_cast<int64_t>(i), static_cast<double>(i) * c.dt, columns);
  }
  const double ingest_seconds = seconds_since(start);
  ingestor.flush();
  const json stats = stats_of(ingestor);
  auto thread_cpu = bench::thread_cpu_seconds();  // before close() ends the engine's threads
  for (const auto& [name, seconds] : cpu_at_open) thread_cpu[name] -= seconds;
  ingestor.close();
  const double seconds = seconds_since(start);
  const char* commit_io = std::getenv("SIMINGEST_COMMIT_IO");
  json result = {{"seconds", seconds},
                 {"ingestSeconds", ingest_seconds},
                 {"threadCpuSeconds", thread_cpu},
                 {"commitIo", commit_io ? commit_io : "default"},
                 {"frames", c.frames},
                 {"fieldBytes", c.frames * c.frame_bytes()},
                 {"memoryPeak", stats.at("memoryPeak")},
                 {"memoryLimit", stats.at("memoryLimit")},
                 {"framesCommitted", stats.at("framesCommitted")},
                 {"poolAllocations", pool_allocations(stats)}};
  result.update(memory_fields(rss_after_load));
  return result;
}

json run_small(const json& spec) {
  const uint64_t stored = spec.at("frames").get<uint64_t>();
  const uint64_t frames = std::min<uint64_t>(spec.value("count", stored), stored);
  const auto names = spec.at("fields").get<std::vector<std::string>>();
  const std::size_t width = names.size();
  Buffer data = read_bytes(spec.at("data").get<std::string>(), 0, frames * width * sizeof(double));
  const double* values = reinterpret_cast<const double*>(data.bytes());
  const double dt = spec.at("dt").get<double>();
  const uint64_t rss_after_load = proc_status_bytes("VmRSS");
  simingest::Ingestor ingestor(spec.at("out").get<std::string>(), config_text(spec));
  const std::string stream = spec.at("stream").get<std::string>();
  std::vector<simingest::Column> columns;
  for (const auto& name : names) columns.push_back(simingest::scalar(name.c_str(), 0.0));
  const auto start = Clock::now();
  for (uint64_t i = 0; i < frames; ++i) {
    for (std::size_t k = 0; k < width; ++k) columns[k] = simingest::scalar(names[k].c_str(), values[i * width + k]);
    ingestor.ingest(stream.c_str(), static_cast<int64_t>(i), static_cast<double>(i) * dt, columns);
  }
  const double ingest_seconds = seconds_since(start);
  ingestor.flush();
  ingestor.close();
  const double seconds = seconds_since(start);
  json result = {{"frames", frames},
                 {"seconds", seconds},
                 {"ingestSeconds", ingest_seconds},
                 {"framesPerSecond", static_cast<double>(frames) / seconds},
                 {"callsPerSecond", static_cast<double>(frames) / ingest_seconds}};
  result.update(memory_fields(rss_after_load));
  return result;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// For each frame: memcpy of its arrays into a warm buffer, then ingest() of
// the same arrays; both timed on this (the host) thread. The budget is large
// so that ingest() never waits for room: what is measured is its own cost.
json run_hostcost(const json& spec) {
  GridCase c = load_grid_case(spec);
  std::vector<unsigned char> destination(c.frame_bytes());
  std::memset(destination.data(), 1, destination.size());  // warm: no page faults in the copy
  simingest::Ingestor ingestor(spec.at("out").get<std::string>(), config_text(spec));
  const std::string stream = spec.at("stream").get<std::string>();
  const std::size_t field_bytes = c.elements * dtype_size(c.dtype);
  std::vector<double> memcpy_ns, ingest_ns;
  // paceBytesPerSecond > 0: frames arrive at that rate, as from a solver
  // (the host waits between frames); 0: back to back, the host outrunning
  // the workers, so most frames land in freshly faulted memory.
  const double pace = spec.value("paceBytesPerSecond", 0.0);
  const auto paced_start = Clock::now();
  for (uint64_t i = 0; i < c.frames; ++i) {
    if (pace > 0) {
      const auto due = paced_start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i * c.frame_bytes()) / pace));
      std::this_thread::sleep_until(due);
    }
    // Whichever runs first reads the frame from memory, the second from the
    // cache it left: the order alternates so neither side gets that for free.
    const auto columns = c.columns(i);
    auto copy = [&] {
      const auto t0 = Clock::now();
      for (std::size_t f = 0; f < c.fields.size(); ++f)
        std::memcpy(destination.data() + f * field_bytes, c.field(f, i), field_bytes);
      return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    };
    auto ingest = [&] {
      const auto t0 = Clock::now();
      ingestor.ingest(stream.c_str(), static_cast<int64_t>(i), static_cast<double>(i) * c.dt, columns);
      return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    };
    double copy_ns = 0, ingest_one_ns = 0;
    if (i % 2 == 0) {
      copy_ns = copy();
      ingest_one_ns = ingest();
    } else {
      ingest_one_ns = ingest();
      copy_ns = copy();
    }
    memcpy_ns.push_back(copy_ns);
    ingest_ns.push_back(ingest_one_ns);
  }
  const json stats = stats_of(ingestor);
  ingestor.close();
  // The copy must not be optimised away: its result is observed.
  volatile unsigned char sink = destination[destination.size() / 2];
  (void)sink;
  const double m = median(memcpy_ns), g = median(ingest_ns);
  return {{"frames", c.frames},
          {"frameBytes", c.frame_bytes()},
          {"paceBytesPerSecond", pace},
          {"memcpyMedianNs", m},
          {"ingestMedianNs", g},
          {"ratio", g / m},
          {"memoryPeak", stats.at("memoryPeak")},
          {"memoryLimit", stats.at("memoryLimit")}};
}

// Ingests `totalBytes` by cycling over a few frames (steps keep increasing),
// sampling VmRSS meanwhile. Only a few frames are loaded, so the input adds
// little to the resident set that is compared with the budget.
json run_long(const json& spec) {
  GridCase c = load_grid_case(spec, spec.value("loadFrames", 4));
  const uint64_t total = spec.at("totalBytes").get<uint64_t>();
  const uint64_t frames = (total + c.frame_bytes() - 1) / c.frame_bytes();
  const uint64_t rss_before = proc_status_bytes("VmRSS");
  std::atomic<bool> done{false};
  std::atomic<uint64_t> max_sampled{0};
  std::thread sampler([&] {
    while (!done.load()) {
      max_sampled = std::max<uint64_t>(max_sampled.load(), proc_status_bytes("VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  simingest::Ingestor ingestor(spec.at("out").get<std::string>(), config_text(spec));
  const std::string stream = spec.at("stream").get<std::string>();
  const auto start = Clock::now();
  for (uint64_t i = 0; i < frames; ++i) {
    const auto columns = c.columns(i % c.frames);
    ingestor.ingest(stream.c_str(), static_cast<int64_t>(i), static_cast<double>(i) * c.dt, columns);
  }
  ingestor.flush();
  const json stats = stats_of(ingestor);
  ingestor.close();
  const double seconds = seconds_since(start);
  done = true;
  sampler.join();
  return {{"frames", frames},
          {"fieldBytes", frames * c.frame_bytes()},
          {"seconds", seconds},
          {"rssBeforeBytes", rss_before},
          {"maxSampledRssBytes", max_sampled.load()},
          {"peakRssBytes", proc_status_bytes("VmHWM")},
          {"memoryPeak", stats.at("memoryPeak")},
          {"memoryLimit", stats.at("memoryLimit")}};
}

// The same frames with the stream routed "batch" (spec.config) and "both"
// with realtime.everySteps (default 10), alternating in this one process, a
// fresh dataset each run, the order flipped every pair: a slow spell of a
// shared machine falls on both routes alike. Wall time first ingest ->
// flushed and closed (the realtime log's fsyncs included).
json run_routecost(const json& spec) {
  GridCase c = load_grid_case(spec);
  const std::string stream = spec.at("stream").get<std::string>();
  const std::string out = spec.at("out").get<std::string>();
  const int every_steps = spec.value("everySteps", 10);
  const int repeat = spec.value("repeat", 3);
  json both = spec.at("config");
  both["streams"][stream]["route"] = "both";
  both["streams"][stream]["realtime"] = {{"everySteps", every_steps}};
  const std::string configs[2] = {config_text(spec), both.dump()};
  json realtime;  // the last "both" run's stats.realtime: proof that the route took effect
  auto mb_per_second = [&](const std::string& config) {
    std::filesystem::remove_all(out);
    const auto start = Clock::now();
    {
      simingest::Ingestor ingestor(out, config);
      for (uint64_t i = 0; i < c.frames; ++i) {
        const auto columns = c.columns(i);
        ingestor.ingest(stream.c_str(), static_cast<int64_t>(i), static_cast<double>(i) * c.dt, columns);
      }
      ingestor.flush();
      const json stats = stats_of(ingestor);
      if (stats.contains("realtime")) realtime = stats.at("realtime");
      ingestor.close();
    }
    const double seconds = seconds_since(start);
    std::filesystem::remove_all(out);
    return static_cast<double>(c.frames * c.frame_bytes()) / seconds / 1e6;
  };
  std::vector<double> samples[2];
  for (int r = 0; r < repeat; ++r) {
    const int first = r % 2;
    samples[first].push_back(mb_per_second(configs[first]));
    samples[1 - first].push_back(mb_per_second(configs[1 - first]));
  }
  const double batch = median(samples[0]), with_both = median(samples[1]);
  return {{"frames", c.frames},
          {"everySteps", every_steps},
          {"repeat", repeat},
          {"batchMBps", batch},
          {"bothMBps", with_both},
          {"batchSamples", samples[0]},
          {"bothSamples", samples[1]},
          {"costPercent", 100.0 * (1.0 - with_both / batch)},
          {"realtimeFrames", realtime.value("frames", json(0))},
          {"realtimeBytes", realtime.value("bytes", json(0))}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_ingest throughput|small|hostcost|long|routecost SPEC.json\n");
    return 2;
  }
  try {
    std::ifstream spec_file(argv[2]);
    if (!spec_file) throw std::runtime_error(std::string("cannot open ") + argv[2]);
    const json spec = json::parse(spec_file);
    const std::string mode = argv[1];
    json result;
    if (mode == "throughput") result = run_throughput(spec);
    else if (mode == "small") result = run_small(spec);
    else if (mode == "hostcost") result = run_hostcost(spec);
    else if (mode == "long") result = run_long(spec);
    else if (mode == "routecost") result = run_routecost(spec);
    else throw std::runtime_error("unknown mode " + mode);
    result["host"] = "cpp";
    result["mode"] = mode;
    std::cout << result.dump() << std::endl;
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_ingest: %s\n", error.what());
    return 1;
  }
}
