// Whether an output would overwrite one of the files a tool reads: the check
// ringrt-run and ringrt-convert make before doing any work.
#pragma once

#include <cstddef>
#include <string>

#include "ringrt/status.hpp"

namespace ringrt::io {

// True when `a` and `b` name the same file: both exist and have the same st_dev
// and st_ino (so symlinks and hard links are seen through), or neither exists yet
// and both are the same name in the same directory (which is compared by st_dev
// and st_ino too), so that whichever is created first would be the other.
bool same_file(const char* a, const char* b);

// True when `path` names the file this process's stdout is (a pipe, a terminal,
// a file): a tool then prints its report on stderr, not into its own output.
bool is_stdout(const char* path);

// A file a tool reads or keeps, as its message names it: {"--input", "x.npy"}.
struct NamedPath {
  std::string what;  // "--input", "the model", "the KV store"...
  std::string path;
};

// kInvalidArgument "--output Y is the same file as --input X: ..." for the first
// of `inputs` that same_file() matches with `output`; Ok when none does, and for a
// character device (a terminal that is both stdin and stdout loses nothing).
Status check_not_same_file(const char* output_option, const char* output, const NamedPath* inputs,
                           std::size_t count);

}  // namespace ringrt::io
