// ringrt-run's --output, checked and opened before any work.
#pragma once

#include <cstdint>

#include "output_file.hpp"
#include "ringrt/status.hpp"
#include "run_args.hpp"

namespace ringrt::cli {

// Refuses an output that is the same file as the input, the model or a file of the
// KV store (PATH, or PATH.rank<r> for each of `ranks` ranks, and their .residual),
// then opens it (io::OutputFile: a FIFO must have a reader by now).
Status open_run_output(const RunArgs& args, uint32_t ranks, io::OutputFile* out);

}  // namespace ringrt::cli
