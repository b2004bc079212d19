# SIMINGEST_FUZZ=ON turns the build directory into a fuzzing one (clang only):
# everything is compiled with libFuzzer's coverage instrumentation and with
# AddressSanitizer + UndefinedBehaviorSanitizer, the tests are not built, and
# test/fuzz/ builds one libFuzzer binary per harness plus a short ctest run of
# each. See docs/FUZZING.md.
option(SIMINGEST_FUZZ "Build the libFuzzer harnesses (needs clang) instead of the tests" OFF)
if(SIMINGEST_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIMINGEST_FUZZ needs clang (CC=clang CXX=clang++), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  if(NOT SIMINGEST_SANITIZE STREQUAL "")
    message(FATAL_ERROR "SIMINGEST_FUZZ brings its own sanitizers (ASan+UBSan): leave SIMINGEST_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
