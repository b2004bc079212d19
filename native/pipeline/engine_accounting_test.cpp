// Accounting under pressure (issue 6, test 7): with several host threads
// ingesting against a small budget and a throttled commit thread, under the
// "drop" and "error" policies, every stats sample satisfies
//   accepted = committed + dropped + in flight   (per stream and in total)
// with no term negative, counters never go backwards, and `accepted` and
// `rejected` lie between what the hosts had seen return before the sample and
// what they had started after it. At the end nothing is in flight, the hosts'
// own tallies match the counters exactly, and the committed frames are the
// ones the manifest lists.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/engine.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

constexpr int kStreams = 3;
constexpr int kHostsPerStream = 1;
constexpr uint64_t kSamples = 500;  // hosts ingest while the sampler takes these

// What the hosts of one stream have seen, raised around each ingest call.
struct HostTally {
  std::atomic<uint64_t> started{0};   // calls begun
  std::atomic<uint64_t> accepted{0};  // calls that returned ok
  std::atomic<uint64_t> refused{0};   // calls that returned backpressure
};

// The counters of one stats sample (a stream's or the total), and the
// optional counter of frames skipped as duplicates (resumeFromStep).
struct Counters {
  uint64_t accepted, committed, dropped, in_flight, rejected, skipped;

  static Counters of(const nlohmann::json& j) {
    return {j.at("framesAccepted").get<uint64_t>(), j.at("framesCommitted").get<uint64_t>(),
            j.at("framesDropped").get<uint64_t>(),  j.at("framesInFlight").get<uint64_t>(),
            j.at("framesRejected").get<uint64_t>(), j.value("framesSkippedDuplicate", uint64_t{0})};
  }
};

std::string stream_name(int s) { return "s" + std::to_string(s); }

std::string config(const std::string& policy) {
  std::string streams;
  for (int s = 0; s < kStreams; ++s)
    streams += (s ? "," : "") + ("\"" + stream_name(s) + "\"") + R"(:{"columns":{"v":"float64"}})";
  // 64 KiB frames against a 1 MiB budget, a row group per frame.
  return R"({"streams":{)" + streams + R"(},"memoryLimit":1048576,"rowGroupBytes":65536,"workers":2,)" +
         R"("backpressure":")" + policy + "\"}";
}

// Checks one sample against the identity and the hosts' bounds; returns
// false (after reporting) on the first violation so a failing run stays short.
bool check_sample(const Counters& c, const Counters& previous, uint64_t accepted_before,
                  uint64_t refused_before, uint64_t started_after, const std::string& where) {
  // The identity, with every term non-negative: in flight is derived by
  // subtraction, so a torn snapshot shows up as a wrapped (huge) value.
  EXPECT_LE(c.committed + c.dropped + c.skipped, c.accepted) << where << ": more frames left than arrived";
  EXPECT_EQ(c.accepted, c.committed + c.dropped + c.skipped + c.in_flight) << where;
  EXPECT_LE(c.in_flight, c.accepted) << where;
  // Counters only grow.
  EXPECT_GE(c.accepted, previous.accepted) << where;
  EXPECT_GE(c.committed, previous.committed) << where;
  EXPECT_GE(c.dropped, previous.dropped) << where;
  EXPECT_GE(c.rejected, previous.rejected) << where;
  // Every call that returned ok before the sample is counted; no call that
  // had not started after it is.
  EXPECT_GE(c.accepted, accepted_before) << where;
  EXPECT_LE(c.accepted + c.rejected, started_after) << where;
  EXPECT_GE(c.rejected, refused_before) << where;
  return !::testing::Test::HasFailure();
}

class EngineAccounting : public ::testing::TestWithParam<const char*> {
 protected:
  testing_support::ScratchDirectory scratch_;
};

TEST_P(EngineAccounting, accepted_is_committed_plus_dropped_plus_in_flight_at_every_sample) {
  const std::string policy = GetParam();
  auto engine = Engine::open(scratch_.path(), config(policy), EngineOptions{/*commit_delay_ms=*/3});
  HostTally tally[kStreams];
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> samples{0};
  std::atomic<bool> host_failed{false};

  std::vector<std::thread> hosts;
  for (int h = 0; h < kStreams * kHostsPerStream; ++h) {
    hosts.emplace_back([&, h] {
      const int s = h % kStreams;
      const std::string name = stream_name(s);
      const std::vector<double> values(8192, 0.5 + h);
      while (samples.load() == 0) std::this_thread::yield();  // the sampler sees the start
      std::string message;
      for (int i = 0; !stop.load(); ++i) {
        const simingest_column column{"v", SIMINGEST_FLOAT64, values.data(), values.size()};
        tally[s].started.fetch_add(1);
        const Status status = engine->ingest(name.c_str(), i, i, &column, 1, false, message);
        if (status == Status::ok) {
          tally[s].accepted.fetch_add(1);
        } else if (status == Status::backpressure && policy == "error") {
          tally[s].refused.fetch_add(1);
        } else {
          ADD_FAILURE() << name << ": " << status_string(status) << ": " << message;
          host_failed = true;
          break;
        }
      }
    });
  }

  Counters previous[kStreams + 1] = {};
  bool ok = true;
  auto sample = [&] {
    uint64_t accepted_before[kStreams], refused_before[kStreams];
    for (int s = 0; s < kStreams; ++s) {
      accepted_before[s] = tally[s].accepted.load();
      refused_before[s] = tally[s].refused.load();
    }
    const auto stats = nlohmann::json::parse(engine->stats_json());
    uint64_t total_accepted = 0, total_refused = 0, total_started = 0;
    for (int s = 0; s < kStreams && ok; ++s) {
      const uint64_t started_after = tally[s].started.load();
      const Counters c = Counters::of(stats.at("streams").at(stream_name(s)));
      ok = check_sample(c, previous[s], accepted_before[s], refused_before[s], started_after,
                        "sample " + std::to_string(samples) + ", stream " + stream_name(s));
      previous[s] = c;
      total_accepted += accepted_before[s];
      total_refused += refused_before[s];
      total_started += started_after;
    }
    const Counters total = Counters::of(stats);
    if (ok)
      ok = check_sample(total, previous[kStreams], total_accepted, total_refused, total_started,
                        "sample " + std::to_string(samples) + ", total");
    previous[kStreams] = total;
    ++samples;
  };

  while (ok && samples.load() < kSamples) sample();
  stop = true;
  for (auto& host : hosts) host.join();
  ASSERT_TRUE(ok) << "the identity failed at sample " << samples - 1;
  ASSERT_FALSE(host_failed.load());
  engine->flush();
  sample();
  ASSERT_TRUE(ok);

  // At the end: nothing in flight, and the counters are exactly the hosts' tallies.
  const auto stats = nlohmann::json::parse(engine->stats_json());
  uint64_t committed = 0, dropped = 0, refused = 0;
  for (int s = 0; s < kStreams; ++s) {
    const Counters c = Counters::of(stats.at("streams").at(stream_name(s)));
    EXPECT_EQ(c.in_flight, 0u) << stream_name(s);
    EXPECT_EQ(c.accepted, tally[s].accepted.load()) << stream_name(s);
    EXPECT_EQ(c.rejected, tally[s].refused.load()) << stream_name(s);
    EXPECT_EQ(c.accepted + c.rejected, tally[s].started.load()) << stream_name(s);
    committed += c.committed;
    dropped += c.dropped;
    refused += c.rejected;
  }
  // The pressure was real: the policy had to act (otherwise this proves nothing).
  if (policy == "drop") {
    EXPECT_GT(dropped, 0u);
  } else {
    EXPECT_GT(refused, 0u);
    EXPECT_EQ(dropped, 0u);  // "error" refuses frames; it never drops an accepted one
  }
  EXPECT_GT(committed, 0u);
  engine->close();

  // Committed means in the dataset: the manifest lists exactly those frames.
  std::ifstream in(scratch_.path() + "/_simingest/manifest.json");
  const auto manifest = nlohmann::json::parse(in);
  uint64_t listed[kStreams] = {};
  for (const auto& file : manifest.at("files")) {
    const std::string stream = file.at("stream");
    for (int s = 0; s < kStreams; ++s)
      if (stream == stream_name(s)) listed[s] += file.at("frames").get<uint64_t>();
  }
  for (int s = 0; s < kStreams; ++s) {
    const Counters c = Counters::of(stats.at("streams").at(stream_name(s)));
    EXPECT_EQ(listed[s], c.committed) << stream_name(s);
  }
  EXPECT_GE(samples.load(), kSamples);
}

INSTANTIATE_TEST_SUITE_P(Policies, EngineAccounting, ::testing::Values("drop", "error"),
                         [](const ::testing::TestParamInfo<const char*>& param) { return std::string(param.param); });

}  // namespace
}  // namespace simingest
