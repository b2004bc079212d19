// simingest_subscribe() / simingest_unsubscribe() as a C host drives them:
// frames arrive in order with their values, a blocked subscriber never holds
// up ingest (dropOldest counts the gap, disconnect ends it), the end call
// runs exactly once, and nothing is called after unsubscribe or close.
// Written to run under TSan: callbacks touch the recorder only under its
// mutex, and the tests wait on its condition variable, never on a clock.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "simingest.h"
#include "subscription_recorder_test_support.hpp"
#include "support/scratch_directory.hpp"

namespace {

using nlohmann::json;
using simingest::testing_support::Received;
using simingest::testing_support::Recorder;

class Subscribe : public ::testing::Test {
 protected:
  void open(const std::string& route_json) {
    const std::string config = R"({"workers":1,"streams":{"diag":{"columns":{"e":"float64","n":"int32"})" +
                               route_json + R"(},"bulk":{"columns":{"x":"float32"}}}})";
    char* error = nullptr;
    ASSERT_EQ(simingest_open(scratch_.path().c_str(), config.c_str(), &ingestor_, &error), SIMINGEST_OK)
        << (error ? error : "");
  }
  void TearDown() override { simingest_close(&ingestor_); }

  // Step s carries e = [s, s + 0.5, s + 0.25] and n = -s.
  simingest_status ingest(int64_t step) {
    const double e[3] = {static_cast<double>(step), step + 0.5, step + 0.25};
    const int32_t n = static_cast<int32_t>(-step);
    const simingest_column columns[2] = {{"n", SIMINGEST_INT32, &n, SIMINGEST_SCALAR},
                                         {"e", SIMINGEST_FLOAT64, e, 3}};
    return simingest_ingest(ingestor_, "diag", step, static_cast<double>(step) * 0.1, columns, 2);
  }

  json subscription_stats() {
    char* text = nullptr;
    EXPECT_EQ(simingest_stats_json(ingestor_, &text), SIMINGEST_OK);
    const json stats = json::parse(text);
    simingest_free(text);
    return stats["realtime"]["subscriptions"];
  }

  simingest_subscription* subscribe(Recorder& recorder, size_t queue = 0,
                                    simingest_subscribe_policy policy = SIMINGEST_SUBSCRIBE_DROP_OLDEST) {
    simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
    options.queue_frames = queue;
    options.policy = policy;
    simingest_subscription* sub = nullptr;
    EXPECT_EQ(simingest_subscribe(ingestor_, "diag", &options, &Recorder::callback, &recorder, &sub), SIMINGEST_OK)
        << simingest_last_error(ingestor_);
    return sub;
  }

  simingest::testing_support::ScratchDirectory scratch_;
  simingest_ingestor* ingestor_ = nullptr;
};

TEST_F(Subscribe, delivers_every_realtime_frame_in_order_with_its_values) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  simingest_subscription* sub = subscribe(recorder);
  for (int64_t step = 0; step < 200; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  recorder.wait_frames(200);
  ASSERT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);
  EXPECT_EQ(sub, nullptr);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 200u);
  for (int64_t step = 0; step < 200; ++step) {
    const Received& got = frames[step];
    EXPECT_EQ(got.stream, "diag");
    EXPECT_EQ(got.step, step);
    EXPECT_EQ(got.time, static_cast<double>(step) * 0.1);
    EXPECT_EQ(got.dropped_before, 0u);
    EXPECT_EQ(got.e, (std::vector<double>{static_cast<double>(step), step + 0.5, step + 0.25}));
    EXPECT_EQ(got.n, -step);
  }
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_OK);
  EXPECT_EQ(recorder.end_message(), "unsubscribed");
  const json stats = subscription_stats();
  EXPECT_EQ(stats["subscribers"], 0);
  EXPECT_EQ(stats["delivered"], 200);
  EXPECT_EQ(stats["dropped"], 0);
}

TEST_F(Subscribe, both_route_delivers_every_nth_step_from_from_step) {
  open(R"(,"route":"both","realtime":{"everySteps":5})");
  Recorder recorder;
  simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
  options.has_from_step = 1;
  options.from_step = 20;
  simingest_subscription* sub = nullptr;
  ASSERT_EQ(simingest_subscribe(ingestor_, "diag", &options, &Recorder::callback, &recorder, &sub), SIMINGEST_OK);
  for (int64_t step = 0; step < 50; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  recorder.wait_frames(6);
  ASSERT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
  std::vector<int64_t> steps;
  for (const auto& got : recorder.frames()) steps.push_back(got.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{20, 25, 30, 35, 40, 45}));
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);  // after close: frees the handle, no call
  EXPECT_EQ(recorder.end_calls(), 1);
}

TEST_F(Subscribe, drop_oldest_lets_ingest_go_on_past_a_blocked_subscriber_and_reports_the_gap) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  recorder.close_gate();
  simingest_subscription* sub = subscribe(recorder, 4);
  ASSERT_EQ(ingest(0), SIMINGEST_OK);
  recorder.wait_in_callback();  // step 0 is in the callback and stays there
  // Every one of these returns although nobody reads: ingest never waits for a subscriber.
  for (int64_t step = 1; step <= 100; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  json stats = subscription_stats();
  EXPECT_EQ(stats["subscribers"], 1);
  EXPECT_EQ(stats["dropped"], 96);  // 100 published, the newest 4 queued
  EXPECT_EQ(stats["lagFrames"], 4);
  recorder.open_gate();
  recorder.wait_frames(5);
  ASSERT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);
  const auto frames = recorder.frames();
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0].step, 0);
  EXPECT_EQ(frames[1].step, 97);
  EXPECT_EQ(frames[1].dropped_before, 96u);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(frames[i].step, static_cast<int64_t>(96 + i));
    EXPECT_EQ(frames[i].dropped_before, 0u);
  }
  stats = subscription_stats();
  EXPECT_EQ(stats["delivered"], 5);
  EXPECT_EQ(stats["lagFrames"], 0);
}

TEST_F(Subscribe, disconnect_ends_a_subscriber_whose_queue_fills_after_what_it_had_queued) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  recorder.close_gate();
  simingest_subscription* sub = subscribe(recorder, 2, SIMINGEST_SUBSCRIBE_DISCONNECT);
  ASSERT_EQ(ingest(0), SIMINGEST_OK);
  recorder.wait_in_callback();
  for (int64_t step = 1; step <= 10; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  EXPECT_EQ(subscription_stats()["disconnected"], 1);
  recorder.open_gate();
  recorder.wait_end();
  std::vector<int64_t> steps;
  for (const auto& got : recorder.frames()) steps.push_back(got.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_BACKPRESSURE);
  EXPECT_NE(recorder.end_message().find("queue of 2 frames is full"), std::string::npos) << recorder.end_message();
  EXPECT_EQ(ingest(11), SIMINGEST_OK);
  EXPECT_EQ(subscription_stats()["subscribers"], 0);
  EXPECT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);  // ended already: frees the handle
  EXPECT_EQ(recorder.end_calls(), 1);
}

TEST_F(Subscribe, unsubscribing_twice_is_a_typed_error) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  simingest_subscription* sub = subscribe(recorder);
  ASSERT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);
  EXPECT_EQ(simingest_unsubscribe(&sub), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(simingest_last_error(nullptr), "unsubscribe: the subscription is NULL (already unsubscribed?)");
  EXPECT_EQ(simingest_unsubscribe(nullptr), SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ingest(1), SIMINGEST_OK);
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_TRUE(recorder.frames().empty());
}

TEST_F(Subscribe, close_delivers_what_was_queued_then_ends_and_nothing_is_called_after_it) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  simingest_subscription* sub = subscribe(recorder);
  for (int64_t step = 0; step < 50; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  ASSERT_EQ(simingest_close(&ingestor_), SIMINGEST_OK);
  // Read right after close returned, without waiting: everything happened before it.
  EXPECT_EQ(recorder.frames().size(), 50u);
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_EQ(recorder.end_status(), SIMINGEST_ERR_CLOSED);
  EXPECT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);
  EXPECT_EQ(recorder.end_calls(), 1);
  EXPECT_EQ(recorder.calls_after_end(), 0);
}

TEST_F(Subscribe, a_callback_that_returns_nonzero_or_throws_ends_only_its_own_subscription) {
  open(R"(,"route":"realtime")");
  Recorder stops, throws, keeps;
  stops.stop_at_ = 3;
  throws.throw_at_ = 5;
  simingest_subscription* a = subscribe(stops);
  simingest_subscription* b = subscribe(throws);
  simingest_subscription* c = subscribe(keeps);
  for (int64_t step = 0; step < 10; ++step) ASSERT_EQ(ingest(step), SIMINGEST_OK);
  stops.wait_end();
  throws.wait_end();
  keeps.wait_frames(10);
  EXPECT_EQ(stops.frames().size(), 4u);  // 0..3
  EXPECT_EQ(stops.end_status(), SIMINGEST_OK);
  EXPECT_EQ(stops.end_message(), "the subscription callback returned 7");
  EXPECT_EQ(throws.frames().size(), 6u);  // 0..5
  EXPECT_EQ(throws.end_message(), "the subscription callback returned -1");
  for (auto** sub : {&a, &b, &c}) EXPECT_EQ(simingest_unsubscribe(sub), SIMINGEST_OK);
  EXPECT_EQ(stops.end_calls(), 1);
  EXPECT_EQ(throws.end_calls(), 1);
  EXPECT_EQ(keeps.end_calls(), 1);
  EXPECT_EQ(keeps.frames().size(), 10u);
}

TEST_F(Subscribe, unsubscribe_inside_the_callback_is_refused_without_harm) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  simingest_subscription* sub = subscribe(recorder);
  recorder.unsubscribe_inside_ = &sub;
  recorder.close_gate();
  ASSERT_EQ(ingest(0), SIMINGEST_OK);
  recorder.wait_in_callback();
  recorder.open_gate();
  ASSERT_EQ(ingest(1), SIMINGEST_OK);
  recorder.wait_frames(2);  // the second frame arrives only after the first callback returned
  EXPECT_EQ(recorder.inside_status_, SIMINGEST_ERR_INVALID_ARGUMENT);
  ASSERT_NE(sub, nullptr);
  EXPECT_EQ(simingest_unsubscribe(&sub), SIMINGEST_OK);
  EXPECT_EQ(recorder.end_calls(), 1);
}

TEST_F(Subscribe, bad_arguments_are_refused_with_a_message) {
  open(R"(,"route":"realtime")");
  Recorder recorder;
  simingest_subscription* sub = nullptr;
  EXPECT_EQ(simingest_subscribe(ingestor_, "bulk", nullptr, &Recorder::callback, &recorder, &sub),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("route is \"batch\""), std::string::npos);
  EXPECT_EQ(simingest_subscribe(ingestor_, "nope", nullptr, &Recorder::callback, &recorder, &sub),
            SIMINGEST_ERR_UNKNOWN_STREAM);
  EXPECT_EQ(simingest_subscribe(ingestor_, "diag", nullptr, nullptr, &recorder, &sub), SIMINGEST_ERR_INVALID_ARGUMENT);
  simingest_subscribe_options options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
  options.struct_size = 8;
  EXPECT_EQ(simingest_subscribe(ingestor_, "diag", &options, &Recorder::callback, &recorder, &sub),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simingest_last_error(ingestor_)).find("options.struct_size is 8"), std::string::npos);
  options = SIMINGEST_SUBSCRIBE_OPTIONS_INIT;
  options.policy = static_cast<simingest_subscribe_policy>(9);
  EXPECT_EQ(simingest_subscribe(ingestor_, "diag", &options, &Recorder::callback, &recorder, &sub),
            SIMINGEST_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(sub, nullptr);
  EXPECT_EQ(recorder.end_calls(), 0);
}

}  // namespace
