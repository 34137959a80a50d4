// Prints a session's memory plan as a table.
#pragma once

#include <cstdio>

#include "ringrt/ringrt.hpp"

namespace ringrt::cli {

void print_plan(const MemoryPlan& plan, const ModelInfo& model, const char* kv_store, std::FILE* out);

}  // namespace ringrt::cli
