// Which sanitizer this test binary is built with, for tests that scale their
// work down (sanitized builds run several times slower) or skip a deliberate
// data race under ThreadSanitizer. GCC defines __SANITIZE_*__; clang answers
// __has_feature.
#pragma once

#if defined(__has_feature)
#define SIMINGEST_HAS_FEATURE(feature) __has_feature(feature)
#else
#define SIMINGEST_HAS_FEATURE(feature) 0
#endif

namespace simingest::testing_support {

#if defined(__SANITIZE_ADDRESS__) || SIMINGEST_HAS_FEATURE(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(__SANITIZE_THREAD__) || SIMINGEST_HAS_FEATURE(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif

inline constexpr bool kSanitized = kAddressSanitizer || kThreadSanitizer;

}  // namespace simingest::testing_support
