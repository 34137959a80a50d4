// `ringrt-convert inspect`: verify a .rrt file and describe it.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "ringrt_generated.h"

namespace ringrt::convert {

// Human-readable description: schema version, producer, architecture, options,
// one line per tensor (index, name, shape, dtype, bytes, offset), totals, file size.
void print_rrt(std::ostream& out, const fb::Model& model, const std::string& path, uint64_t file_size);

// Maps `path`, runs verify_rrt (throws Error with its message on failure) and prints.
void inspect_file(const std::string& path, std::ostream& out);

}  // namespace ringrt::convert
