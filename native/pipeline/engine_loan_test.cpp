// Loaned frames at the engine (frame_loan.hpp): closing reclaims a loan left
// open, counts it leaked and gives its memory back; a closed engine lends
// nothing. (The C ABI's view of the same is native/capi/frame_loan_test.cpp.)
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/engine.hpp"
#include "pipeline/frame_loan.hpp"
#include "support/scratch_directory.hpp"

namespace simingest {
namespace {

using pipeline::FrameLoan;
using pipeline::LoanLedger;

constexpr const char* kConfig =
    R"({"workers":1,"streams":{"f":{"columns":{"v":"float64","w":"float32"},"grid":[1024]}}})";

TEST(EngineLoan, closing_reclaims_an_open_loan_counts_it_leaked_and_frees_its_memory) {
  testing_support::ScratchDirectory scratch;
  auto engine = Engine::open(scratch.path(), kConfig);
  FrameLoan loan;
  std::string message;
  ASSERT_EQ(LoanLedger::begin(engine->loans(), "f", 0, 0.0, 0, loan, message), Status::ok) << message;
  const auto open = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(open["loans"]["open"], 1);
  EXPECT_GE(open["memoryUsed"].get<uint64_t>(), 1024u * 12) << "the loan is charged to the budget";
  engine->close();
  const auto closed = nlohmann::json::parse(engine->stats_json());
  EXPECT_EQ(closed["loans"]["leaked"], 1);
  EXPECT_EQ(closed["loans"]["open"], 0);
  EXPECT_EQ(closed["framesAccepted"], 0);
  EXPECT_EQ(loan.state, FrameLoan::State::reclaimed);
  EXPECT_EQ(LoanLedger::commit(loan, message), Status::closed);
  EXPECT_EQ(message, "loaned frame (stream \"f\", step 0): cannot commit: its ingestor was closed, which reclaimed "
                     "the buffer");
  // The ledger outlives the engine for the handles that still hold it.
  engine.reset();
  EXPECT_EQ(LoanLedger::abort(loan, message), Status::closed);
  LoanLedger::forget(loan);
}

TEST(EngineLoan, a_closed_engine_lends_nothing) {
  testing_support::ScratchDirectory scratch;
  auto engine = Engine::open(scratch.path(), kConfig);
  engine->close();
  FrameLoan loan;
  std::string message;
  EXPECT_EQ(LoanLedger::begin(engine->loans(), "f", 0, 0.0, 0, loan, message), Status::closed);
  EXPECT_EQ(message, "the ingestor is closed");
  EXPECT_EQ(loan.state, FrameLoan::State::idle);
}

TEST(EngineLoan, the_error_policy_refuses_a_loan_that_does_not_fit_and_drop_does_too) {
  for (const char* policy : {"error", "drop"}) {
    testing_support::ScratchDirectory scratch;
    // Room for one loan of 4 MiB arrays but not two.
    auto engine = Engine::open(
        scratch.path(), std::string(R"({"workers":1,"memoryLimit":12582912,"backpressure":{"policy":")") + policy +
                            R"("},"streams":{"f":{"columns":{"v":"float64"},"grid":[524288]}}})");
    FrameLoan first, second;
    std::string message;
    ASSERT_EQ(LoanLedger::begin(engine->loans(), "f", 0, 0.0, 0, first, message), Status::ok) << message;
    EXPECT_EQ(LoanLedger::begin(engine->loans(), "f", 1, 0.0, 0, second, message), Status::backpressure) << policy;
    EXPECT_NE(message.find("memory budget full"), std::string::npos) << message;
    EXPECT_EQ(LoanLedger::abort(first, message), Status::ok);
    EXPECT_EQ(LoanLedger::begin(engine->loans(), "f", 1, 0.0, 0, second, message), Status::ok)
        << policy << ": the aborted loan's memory is free again: " << message;
    EXPECT_EQ(LoanLedger::abort(second, message), Status::ok);
    engine->close();
  }
}

}  // namespace
}  // namespace simingest
