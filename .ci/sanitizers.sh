#!/usr/bin/env bash
# Builds simingest twice more, with AddressSanitizer+UndefinedBehaviorSanitizer
# and with ThreadSanitizer, and runs ctest in each build. Both must stay clean.
#
# The Python read-back (ctest label "python") runs only in the plain build:
# a sanitized libsimingest cannot be loaded into an uninstrumented python
# without preloading the sanitizer runtime. The C round-trip program itself
# still runs under each sanitizer (test c_roundtrip_write).
#
# Usage: .ci/sanitizers.sh [address|thread]...   (default: both)
# Environment: JOBS (default 2), BUILD_TYPE (default Debug), OPT (default -O1).
#
# The engine is compiled at -O1, not Debug's -O0, keeping Debug's assertions:
# both sanitizers' documentation recommends optimising for a usable speed, and
# at -O0 the slowest cases (10 000-stream configs, the crash-point sweeps) ran
# 20-100 s each under TSan. The test bodies stay at -O0 (test/CMakeLists.txt).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${JOBS:-2}"
build_type="${BUILD_TYPE:-Debug}"
opt="${OPT:--O1}"
sanitizers=("$@")
[ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)

for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in
    address)
      build="$root/build-asan"
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
      ;;
    thread)
      build="$root/build-tsan"
      export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
      ;;
    *)
      echo "sanitizers.sh: unknown sanitizer '$sanitizer' (address or thread)" >&2
      exit 2
      ;;
  esac
  echo "=== $sanitizer: configure and build $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="$build_type" -DSIMINGEST_SANITIZE="$sanitizer" \
    -DSIMINGEST_BUILD_TESTS=ON -DCMAKE_C_FLAGS_DEBUG="-g $opt" -DCMAKE_CXX_FLAGS_DEBUG="-g $opt"
  cmake --build "$build" -j "$jobs"
  echo "=== $sanitizer: ctest"
  (cd "$build" && ctest --output-on-failure -j "$jobs" -LE python)
  unset ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
done
echo "=== sanitizers clean: ${sanitizers[*]}"
