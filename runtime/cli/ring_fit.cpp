#include "ring_fit.hpp"

namespace ringrt::cli {

RingFit fit_ring(uint32_t workers, uint32_t chunk, uint64_t tokens) {
  RingFit fit{workers, chunk, false};
  if (tokens == 0) return fit;
  fit.chunk = tokens < chunk ? static_cast<uint32_t>(tokens) : chunk;
  const uint64_t chunks = (tokens + fit.chunk - 1) / fit.chunk;
  fit.workers = chunks < workers ? static_cast<uint32_t>(chunks) : workers;
  fit.clipped = fit.workers != workers || fit.chunk != chunk;
  return fit;
}

std::string fit_note(uint32_t workers, uint32_t chunk, const RingFit& fit, uint64_t tokens) {
  return std::to_string(workers) + " workers and chunk " + std::to_string(chunk) + " clipped to " +
         std::to_string(fit.workers) + (fit.workers == 1 ? " worker" : " workers") + " and chunk " +
         std::to_string(fit.chunk) + ": all a " + std::to_string(tokens) +
         "-token sequence can use (give --max-context to plan for longer streams)";
}

}  // namespace ringrt::cli
