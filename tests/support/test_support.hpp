// ringrt_test_support: everything a test suite needs besides GoogleTest.
#pragma once

#include "fs_util.hpp"      // TempDir, read_file, write_file, list_dir
#include "model_files.hpp"  // safetensors / config / synthetic model / npy writers
#include "process.hpp"      // run_command
