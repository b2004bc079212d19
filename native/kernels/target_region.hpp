// SIMINGEST_TARGET_BEGIN("avx2") ... SIMINGEST_TARGET_END: every function
// defined between the two is compiled for that instruction set, whatever the
// compiler's -m flags; code outside stays at the baseline the scalar path
// runs on.
//
// What must stay true in a file that opens a region: every header with code
// the scalar path may also use (the standard library, core/, order_key.hpp,
// x86_kernels.hpp) is included BEFORE the region begins. An inline function
// first seen inside the region is compiled for its target, and as a weak
// symbol the linker may then pick that copy for the scalar path, which would
// fault on a CPU without the instructions. Only headers whose code has
// internal linkage (simd_*.hpp, *_simd.hpp) belong inside.
#pragma once

#define SIMINGEST_PRAGMA(text) _Pragma(#text)

#if defined(__clang__)
#define SIMINGEST_TARGET_BEGIN(isa) \
  SIMINGEST_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define SIMINGEST_TARGET_END SIMINGEST_PRAGMA(clang attribute pop)
#else
#define SIMINGEST_TARGET_BEGIN(isa) SIMINGEST_PRAGMA(GCC push_options) SIMINGEST_PRAGMA(GCC target(isa))
#define SIMINGEST_TARGET_END SIMINGEST_PRAGMA(GCC pop_options)
#endif
