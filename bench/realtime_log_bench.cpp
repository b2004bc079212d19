// Realtime log write throughput for one-row frames (issue 13, ADR 0015):
//   engine    Engine::ingest() of frames routed "realtime" (validation, router,
//             Avro encoding, writer thread, group commit fsyncs), to close();
//   encoder   simingest's record encoding and block framing alone, no engine;
//   avro-c    Debian's libavro writing the same records with its value API
//             (built only where avro.h is found).
// Usage: realtime_log_bench <scratch dir> [frames] [syncEveryFrames] [engine]
// (a fourth argument `engine` runs the first measurement only, for profiling)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "pipeline/engine.hpp"
#include "storage/avro_container.hpp"

#ifdef SIMINGEST_BENCH_AVRO_C
#include <avro.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
namespace avro = simingest::storage::avro;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string config_json(long sync_every_frames) {
  return R"({"workers":1,"streams":{"diag":{"columns":{"e":"float64","n":"int32"},"route":"realtime",)"
         R"("realtime":{"codec":"null","syncEveryFrames":)" +
         std::to_string(sync_every_frames) + "}}}}";
}

double bench_engine(const std::string& dir, long frames, long sync_every_frames) {
  std::filesystem::remove_all(dir);
  auto engine = simingest::Engine::open(dir, config_json(sync_every_frames));
  std::string message;
  const auto start = Clock::now();
  for (long step = 0; step < frames; ++step) {
    const double e = 0.5 * static_cast<double>(step);
    const int32_t n = static_cast<int32_t>(step);
    simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR},
                                   {"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR}};
    if (engine->ingest("diag", step, static_cast<double>(step), columns, 2, false, message) != simingest::Status::ok) {
      std::fprintf(stderr, "ingest: %s\n", message.c_str());
      std::exit(1);
    }
  }
  engine->close();  // every frame written and fsynced
  return static_cast<double>(frames) / seconds_since(start);
}

// ack-after-fsync: `threads` hosts, each ingest() returning once its frame is
// fsynced; group commit lets the frames of all threads share fsyncs.
double bench_acknowledged(const std::string& dir, long frames, int threads) {
  std::filesystem::remove_all(dir);
  std::string json = config_json(4096);
  json.insert(json.size() - 1, R"(,"durability":"ack-after-fsync")");
  auto engine = simingest::Engine::open(dir, json);
  const auto start = Clock::now();
  std::vector<std::thread> hosts;
  for (int t = 0; t < threads; ++t)
    hosts.emplace_back([&, t] {
      std::string message;
      for (long step = t; step < frames; step += threads) {
        const double e = 0.5 * static_cast<double>(step);
        const int32_t n = static_cast<int32_t>(step);
        simingest_column columns[2] = {{"e", SIMINGEST_FLOAT64, &e, SIMINGEST_SCALAR},
                                       {"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR}};
        if (engine->ingest("diag", step, static_cast<double>(step), columns, 2, false, message) != simingest::Status::ok)
          std::abort();
      }
    });
  for (auto& host : hosts) host.join();
  const double rate = static_cast<double>(frames) / seconds_since(start);
  engine->close();
  return rate;
}

// The same bytes the engine writes, without it: encode, frame blocks of
// `block_frames` records, write() them (no fsync: avro-c does none either).
double bench_encoder(const std::string& dir, long frames, long block_frames) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/encoder.avro";
  FILE* out = std::fopen(path.c_str(), "wb");
  const simingest::Config config = simingest::parse_config(config_json(block_frames));
  const avro::SyncMarker sync = avro::random_sync_marker();
  const avro::Bytes header = avro::container_header(avro::log_schema_json(config.streams[0]), simingest::AvroCodec::null, sync);
  std::fwrite(header.data(), 1, header.size(), out);
  avro::Bytes pending, block;
  long in_block = 0;
  const auto start = Clock::now();
  for (long step = 0; step < frames; ++step) {
    avro::append_long(pending, step);
    avro::append_double(pending, static_cast<double>(step));
    avro::append_long(pending, 0);
    avro::append_double(pending, 0.5 * static_cast<double>(step));
    avro::append_long(pending, 0);
    avro::append_long(pending, step);
    if (++in_block == block_frames || step + 1 == frames) {
      block.clear();
      avro::append_block(block, in_block, pending.data(), pending.size(), sync);
      std::fwrite(block.data(), 1, block.size(), out);
      pending.clear();
      in_block = 0;
    }
  }
  std::fclose(out);
  return static_cast<double>(frames) / seconds_since(start);
}

#ifdef SIMINGEST_BENCH_AVRO_C
double bench_avro_c(const std::string& dir, long frames) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/avro-c.avro";
  std::filesystem::remove(path);
  const simingest::Config config = simingest::parse_config(config_json(1));
  const std::string schema_json = avro::log_schema_json(config.streams[0]);
  avro_schema_t schema;
  if (avro_schema_from_json_length(schema_json.c_str(), schema_json.size(), &schema)) {
    std::fprintf(stderr, "avro-c schema: %s\n", avro_strerror());
    std::exit(1);
  }
  avro_file_writer_t writer;
  if (avro_file_writer_create_with_codec(path.c_str(), schema, &writer, "null", 0)) {
    std::fprintf(stderr, "avro-c writer: %s\n", avro_strerror());
    std::exit(1);
  }
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t record, field, branch;
  avro_generic_value_new(iface, &record);
  const auto start = Clock::now();
  for (long step = 0; step < frames; ++step) {
    avro_value_get_by_index(&record, 0, &field, nullptr);
    avro_value_set_long(&field, step);
    avro_value_get_by_index(&record, 1, &field, nullptr);
    avro_value_set_double(&field, static_cast<double>(step));
    avro_value_get_by_index(&record, 2, &field, nullptr);
    avro_value_set_branch(&field, 0, &branch);
    avro_value_set_double(&branch, 0.5 * static_cast<double>(step));
    avro_value_get_by_index(&record, 3, &field, nullptr);
    avro_value_set_branch(&field, 0, &branch);
    avro_value_set_int(&branch, static_cast<int32_t>(step));
    if (avro_file_writer_append_value(writer, &record)) {
      std::fprintf(stderr, "avro-c append: %s\n", avro_strerror());
      std::exit(1);
    }
  }
  avro_file_writer_close(writer);
  const double rate = static_cast<double>(frames) / seconds_since(start);
  avro_value_decref(&record);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  return rate;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <scratch dir> [frames] [syncEveryFrames]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const long frames = argc > 2 ? std::atol(argv[2]) : 2000000;
  const long sync_every = argc > 3 ? std::atol(argv[3]) : 4096;
  std::printf("one-row frames: %ld, syncEveryFrames %ld, codec null\n", frames, sync_every);
  std::printf("engine   %12.0f frames/s (ingest to close, fsyncs included)\n",
              bench_engine(dir + "/engine", frames, sync_every));
  if (argc > 4 && std::string(argv[4]) == "engine") return 0;
  for (int threads : {1, 16, 64})
    std::printf("ack-after-fsync, %2d hosts %10.0f acknowledged frames/s\n", threads,
                bench_acknowledged(dir + "/acked", threads == 1 ? 2000 : 100000, threads));
  std::printf("encoder  %12.0f frames/s (encode + blocks + write, no fsync)\n",
              bench_encoder(dir + "/files", frames, sync_every));
#ifdef SIMINGEST_BENCH_AVRO_C
  std::printf("avro-c   %12.0f frames/s (avro_file_writer_append_value, no fsync)\n", bench_avro_c(dir + "/files", frames));
#endif
  return 0;
}
