// ringrt-run's files that it writes (--output, a file KV store), checked before any work.
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

// Refuses a file KV store (any of its files, as above) that is the same file as the
// input or the model: the store would be written over them.
Status check_kv_store_files(const RunArgs& args, uint32_t ranks);

}  // namespace ringrt::cli
