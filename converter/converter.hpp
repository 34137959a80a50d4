// The conversion pipeline: JSON config + safetensors weights -> .rrt model.
#pragma once

#include <ostream>
#include <string>

#include "dtypes.hpp"
#include "rrt_writer.hpp"

namespace ringrt::convert {

struct ConvertRequest {
  std::string config_path;
  std::string weights_path;
  std::string output_path;
  StorageDType dtype = StorageDType::kF32;
  bool allow_extra = false;
};

// Refuses an output that is the same file as the weights or the config (before
// reading anything), reads and checks everything, then writes the model atomically.
// Notes (ignored extra tensors) go to `notes`. Throws Error; the output is untouched
// on failure.
RrtWriteResult convert_model(const ConvertRequest& request, std::ostream& notes);

}  // namespace ringrt::convert
