// The ring's shape for a run planned to fit its input (no --max-context): a chunk
// longer than the sequence, or workers that would get no chunk of it, only cost
// memory (every worker has a chunk's buffers), so they are clipped.
#pragma once

#include <cstdint>
#include <string>

namespace ringrt::cli {

struct RingFit {
  uint32_t workers = 0;  // what the session gets
  uint32_t chunk = 0;
  bool clipped = false;  // either is less than asked
};

// chunk <= tokens, workers <= ceil(tokens / chunk); `workers` is the resolved count.
RingFit fit_ring(uint32_t workers, uint32_t chunk, uint64_t tokens);

// "--threads 64 --chunk 4096 clipped to 1 worker, chunk 64: ..." for the summary.
std::string fit_note(uint32_t workers, uint32_t chunk, const RingFit& fit, uint64_t tokens);

}  // namespace ringrt::cli
