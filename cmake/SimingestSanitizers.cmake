# SIMINGEST_SANITIZE=address builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer; =thread with ThreadSanitizer. The two cannot mix.
if(SIMINGEST_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(SIMINGEST_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT SIMINGEST_SANITIZE STREQUAL "")
  message(FATAL_ERROR "SIMINGEST_SANITIZE must be empty, 'address' or 'thread', not '${SIMINGEST_SANITIZE}'")
endif()
