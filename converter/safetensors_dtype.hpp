// The element types a safetensors file may declare (the reference implementation's
// list), with their sizes. Three of them are weights ringrt converts (F32, F16,
// BF16); a tensor of any other is still a valid tensor, which --allow-extra skips.
#pragma once

#include <cstdint>
#include <string>

#include "dtypes.hpp"

namespace ringrt::convert {

struct SafetensorsDType {
  const char* name;   // as in the header: "F32", "I64", "F8_E4M3", ...
  unsigned bits;      // per element: 4 (F4) and 6 (F6_*) pack several elements per byte
  bool convertible;   // F32, F16 or BF16: `source` is the type to read
  SourceDType source;
};

// The entry named `name`, or nullptr for a name that is no safetensors dtype.
const SafetensorsDType* find_safetensors_dtype(const std::string& name);

// "BOOL, F4, ..., U64": every name, for messages.
const char* safetensors_dtype_names();

}  // namespace ringrt::convert
