# Warnings are errors on GCC and Clang: a warning today is a bug report tomorrow.
function(simingest_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor)
  endif()
endfunction()
