// Finding the first NaN or infinity of a float column: the check behind the
// nonFinite "reject" policy, run on the host thread right after the copy.
#pragma once

#include <cstddef>

#include "core/dtype.hpp"

namespace simingest::kernels {

// Index of the first NaN or ±Inf among `count` values of a float dtype at
// `data` (any alignment), or `count` if there is none. Integer dtypes: `count`.
std::size_t find_non_finite(Dtype dtype, const void* data, std::size_t count) noexcept;

}  // namespace simingest::kernels
