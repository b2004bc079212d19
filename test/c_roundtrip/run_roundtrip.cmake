# Runs the C round trip into a fresh directory, then (when PYTHON is given)
# pytest on the read-back test with the dataset's location in the environment.
# Invoked by ctest as: cmake -DROUNDTRIP_BIN=… -DWORK_DIR=… [-DPYTHON=… -DPYTEST_FILE=…] -P run_roundtrip.cmake
foreach(var ROUNDTRIP_BIN WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_roundtrip.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(dataset "${WORK_DIR}/dataset")
set(stats "${WORK_DIR}/stats.json")

execute_process(COMMAND "${ROUNDTRIP_BIN}" "${dataset}" "${stats}"
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "roundtrip program failed (${rc})")
endif()

if(DEFINED PYTHON)
  set(ENV{SIMINGEST_ROUNDTRIP_DATASET} "${dataset}")
  set(ENV{SIMINGEST_ROUNDTRIP_STATS} "${stats}")
  execute_process(COMMAND "${PYTHON}" -m pytest -q -p no:cacheprovider "${PYTEST_FILE}"
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pytest ${PYTEST_FILE} failed (${rc})")
  endif()
endif()
# The dataset is a few hundred MB: keep it only when a check failed.
file(REMOVE_RECURSE "${WORK_DIR}")
