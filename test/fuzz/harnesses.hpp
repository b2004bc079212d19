// The fuzz harnesses (docs/FUZZING.md). Each takes one input and returns what
// it found wrong with the library's behaviour on it, or "" when the library
// behaved. Two drivers call them: libFuzzer (libfuzzer_entry.cpp, clang with
// ASan+UBSan, SIMINGEST_FUZZ=ON) and the corpus replay test of the ordinary
// build (corpus_replay_test.cpp), which runs every saved input again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace simingest::fuzz {

using Harness = std::string (*)(const uint8_t* data, std::size_t size);

// Bytes → parse_config(): it returns a configuration that keeps the promises
// of config.hpp, or throws Error(Status::config) with a clean message. Any
// other exception, crash or undefined behaviour is a bug.
std::string config_harness(const uint8_t* data, std::size_t size);

// Bytes → a small program of C ABI calls on ingestors kept open for the whole
// process (ingest_harness.cpp says which calls and what each must return).
std::string ingest_harness(const uint8_t* data, std::size_t size);

// "" if `message` is what an error message must be: not empty, valid UTF-8,
// no control characters (user text in it is escaped); else what is wrong.
std::string check_message(std::string_view message);

}  // namespace simingest::fuzz
