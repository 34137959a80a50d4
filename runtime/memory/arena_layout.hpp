// The arena's layout: named entries of planned sizes placed one after another,
// each at a 64-byte boundary (sizes are whole multiples of 64 bytes), the whole
// rounded up to a page. Sizes come from the modules that use the memory; this only
// places them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringrt/ringrt.hpp"

namespace ringrt {

// Sets every entry's offset in order; returns the arena bytes.
uint64_t lay_out_arena(PlanEntry* entries, std::size_t count);

}  // namespace ringrt
