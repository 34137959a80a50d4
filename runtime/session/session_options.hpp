// SessionOptions checked and resolved before anything is planned.
#pragma once

#include <cstdint>

#include "ringrt/ringrt.hpp"

namespace ringrt {

// The ranges every session option must be in (chunk, max_context, workers, the transport).
Status validate_session_options(const SessionOptions& options);

// Worker count for `requested` (0 = online cores), clamped to [1, 64].
uint32_t resolve_workers(uint32_t requested);

}  // namespace ringrt
