// Red zones around loaned column buffers, for AddressSanitizer builds only.
// A loaned frame's columns share one pool buffer (frame_loan.hpp), so a
// write past a column's length lands in the padding or the next column: no
// allocator bound is crossed and ASan would see nothing. Under ASan each
// column gets kLoanRedzoneBytes more padding, poisoned from the column's end
// to the next one's start until the loan ends, so such a write is reported
// (use-after-poison). Elsewhere it is undefined behaviour, as documented in
// simingest.h; these compile to nothing.
#pragma once

#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMINGEST_LOAN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIMINGEST_LOAN_ASAN 1
#endif

#ifdef SIMINGEST_LOAN_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace simingest::pipeline {

#ifdef SIMINGEST_LOAN_ASAN
inline constexpr std::size_t kLoanRedzoneBytes = 64;
inline void poison_loan_gap(void* start, std::size_t bytes) noexcept { ASAN_POISON_MEMORY_REGION(start, bytes); }
inline void unpoison_loan_buffer(void* start, std::size_t bytes) noexcept { ASAN_UNPOISON_MEMORY_REGION(start, bytes); }
#else
inline constexpr std::size_t kLoanRedzoneBytes = 0;
inline void poison_loan_gap(void*, std::size_t) noexcept {}
inline void unpoison_loan_buffer(void*, std::size_t) noexcept {}
#endif

}  // namespace simingest::pipeline
