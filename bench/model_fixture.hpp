// Files the end-to-end cases need: a temporary directory and the Edifice default
// model (embed 288, hidden 256, 4 heads, 4 layers) with deterministic synthetic
// weights, converted to .rrt by the converter library.
#pragma once

#include <cstdint>
#include <string>

namespace bench {

// A fresh directory under $TMPDIR (or /tmp); throws std::runtime_error on failure.
std::string make_temp_dir();
// Removes `path` and everything under it; errors are ignored.
void remove_tree(const std::string& path);
// Size of a file in bytes, or 0 if it does not exist.
uint64_t file_size(const std::string& path);
bool path_exists(const std::string& path);

// Writes DIR/config.json, DIR/params.safetensors and DIR/model.rrt (f32 weights,
// seed 42) and returns the .rrt path. Throws on failure. Allocates the whole model
// a few times over, so callers run it in a child process.
std::string write_edifice_model(const std::string& dir);

}  // namespace bench
