#include "converter.hpp"

#include "config_io.hpp"
#include "errors.hpp"
#include "safetensors_reader.hpp"
#include "same_file.hpp"
#include "weights_check.hpp"

namespace ringrt::convert {

RrtWriteResult convert_model(const ConvertRequest& request, std::ostream& notes) {
  const io::NamedPath inputs[] = {{"--weights", request.weights_path}, {"--config", request.config_path}};
  const Status distinct = io::check_not_same_file("--output", request.output_path.c_str(), inputs, 2);
  if (!distinct.ok()) throw Error(distinct.message());
  const ModelOptions options = read_config(request.config_path);
  const SafetensorsFile weights(request.weights_path);
  const WeightsMatch match = match_weights(options, weights.tensors(), weights.path(), request.allow_extra);
  if (!match.extra.empty()) {
    notes << "ringrt-convert: note: ignoring " << match.extra.size() << " extra tensor(s) in "
          << weights.path() << ": " << join_names(match.extra) << "\n";
  }
  return write_rrt(request.output_path, options, match.tensors, request.dtype, weights.path());
}

}  // namespace ringrt::convert
