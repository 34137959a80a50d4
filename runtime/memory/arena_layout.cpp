#include "arena_layout.hpp"

namespace ringrt {

uint64_t lay_out_arena(PlanEntry* entries, std::size_t count) {
  constexpr uint64_t kAlign = 64, kPage = 4096;
  uint64_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    entries[i].offset = offset;
    offset += (entries[i].bytes + kAlign - 1) / kAlign * kAlign;
  }
  return (offset + kPage - 1) / kPage * kPage;
}

}  // namespace ringrt
