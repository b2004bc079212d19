# ctest's short run of one fuzzer (cmake -P): fuzz for SECONDS from the saved
# corpus CORPUS. New inputs go to WORK/corpus, never into the source tree;
# an input that fails goes to WORK/crashes/, and the test fails naming it.
# Arguments: FUZZER, CORPUS, WORK, SECONDS, DICT (optional).
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/crashes")
set(extra "")
if(DICT)
  list(APPEND extra "-dict=${DICT}")
endif()
# The ingest harness's scratch datasets: on tmpfs when there is one (every
# commit fsyncs), removed afterwards even if the fuzzer aborted.
get_filename_component(harness "${WORK}" NAME)
if(IS_DIRECTORY "/dev/shm")
  string(MD5 work_id "${WORK}")
  set(scratch "/dev/shm/simingest-fuzz-ctest-${work_id}")
else()
  set(scratch "${WORK}/scratch")
endif()
file(REMOVE_RECURSE "${scratch}")
file(MAKE_DIRECTORY "${scratch}")
set(ENV{SIMINGEST_FUZZ_DIR} "${scratch}")
# Leaks are checked too; a finding aborts at once.
set(ENV{ASAN_OPTIONS} "detect_leaks=1:abort_on_error=1:allocator_may_return_null=1")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1")
execute_process(
  COMMAND "${FUZZER}" -max_total_time=${SECONDS} -timeout=60 -rss_limit_mb=4096 -print_final_stats=1
          "-artifact_prefix=${WORK}/crashes/" ${extra} "${WORK}/corpus" "${CORPUS}"
  RESULT_VARIABLE status)
file(REMOVE_RECURSE "${scratch}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "fuzz_${harness} failed (exit ${status}): the input is in ${WORK}/crashes/ "
                      "(reproduce: ${FUZZER} <file>)")
endif()
