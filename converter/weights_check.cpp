#include "weights_check.hpp"

#include <map>
#include <set>

#include "errors.hpp"

namespace ringrt::convert {

namespace {

std::string unsupported_dtype(const std::string& origin, const SafetensorsTensor& t) {
  return origin + ": tensor '" + t.name + "': unsupported dtype '" + t.declared->name + "' (expected F32, F16 or BF16)";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A hint when the missing tensors are there under PyTorch's names (a state_dict:
// "....weight" of nn.Linear / nn.LayerNorm, stored [out, in]).
std::string torch_hint(const std::map<std::string, const SafetensorsTensor*>& by_name) {
  for (const auto& kv : by_name) {
    if (ends_with(kv.first, ".weight")) {
      return "; the file's names look like a PyTorch state_dict ('" + kv.first +
             "'): ringrt expects the model contract's names and [in, out] kernels (docs/model-contract.md); "
             "ringrt.torch_model.RingEncoder saves them (docs/training-frameworks.md)";
    }
  }
  return "";
}

}  // namespace

WeightsMatch match_weights(const ModelOptions& options, const std::vector<SafetensorsTensor>& tensors,
                           const std::string& origin, bool allow_extra) {
  std::map<std::string, const SafetensorsTensor*> by_name;
  for (const SafetensorsTensor& t : tensors) by_name[t.name] = &t;
  const std::size_t count = expected_tensor_count(options);

  // A tensor ringrt cannot convert is named first, as the reader did before it
  // knew every safetensors dtype; with --allow-extra only a required one is an error.
  if (!allow_extra) {
    std::set<std::string> required;
    for (std::size_t i = 0; i < count; ++i) required.insert(expected_tensor(options, i).name);
    for (const SafetensorsTensor& t : tensors) {
      if (t.convertible()) continue;
      throw Error(unsupported_dtype(origin, t) +
                  (required.count(t.name) ? "" : "; the model does not use it (pass --allow-extra to skip it)"));
    }
  }

  WeightsMatch match;
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < count; ++i) {
    const TensorSpec spec = expected_tensor(options, i);
    auto it = by_name.find(spec.name);
    if (it == by_name.end()) {
      missing.push_back(spec.name);
      continue;
    }
    if (!it->second->convertible()) throw Error(unsupported_dtype(origin, *it->second));
    const std::vector<uint64_t> want(spec.shape, spec.shape + spec.rank);
    if (it->second->shape != want) {
      throw Error(origin + ": " + spec.name + " has shape " + shape_string(it->second->shape) + ", expected " +
                  shape_string(want));
    }
    match.tensors.push_back({spec, it->second});
    by_name.erase(it);
  }
  if (missing.size() == 1) {
    throw Error(origin + ": missing tensor " + missing[0] + " (required by the model options)" + torch_hint(by_name));
  }
  if (!missing.empty()) {
    throw Error(origin + ": missing " + std::to_string(missing.size()) +
                " tensors required by the model options: " + join_names(missing) + torch_hint(by_name));
  }
  bool extra_sinks = false;
  for (const auto& kv : by_name) {
    match.extra.push_back(kv.first);
    const std::string suffix = "_attn_sinks";
    extra_sinks = extra_sinks || (kv.first.size() > suffix.size() &&
                                  kv.first.compare(kv.first.size() - suffix.size(), suffix.size(), suffix) == 0);
  }
  if (!match.extra.empty() && !allow_extra) {
    throw Error(origin + ": " + std::to_string(match.extra.size()) +
                " unexpected tensor(s) not used by the model: " + join_names(match.extra) +
                (extra_sinks ? " (attention sinks need \"architecture\": \"ring_encoder\" and "
                               "\"attention_sinks\": true in the config; or pass --allow-extra to ignore them)"
                             : " (pass --allow-extra to ignore them)"));
  }
  return match;
}

}  // namespace ringrt::convert
