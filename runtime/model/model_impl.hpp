// The loaded model: the mapping, its options, and a view of every required tensor.
#pragma once

#include <cstdint>

#include "mapped_file.hpp"
#include "model_contract.hpp"
#include "ringrt/ringrt.hpp"

namespace ringrt {

enum class WeightType : uint8_t { kF32, kF16 };

struct TensorView {
  const void* data = nullptr;  // inside the mapping, 64-byte aligned
  uint64_t elements = 0;
  WeightType type = WeightType::kF32;
};

class ModelImpl {
 public:
  ModelImpl() = default;
  ~ModelImpl() { delete[] tensors_; }
  ModelImpl(const ModelImpl&) = delete;
  ModelImpl& operator=(const ModelImpl&) = delete;

  Status load(const char* path, const Model::LoadOptions& options);

  const ModelOptions& options() const { return options_; }
  const ModelInfo& info() const { return info_; }
  // The tensor with `role` (per-layer roles take a 1-based layer).
  const TensorView& tensor(TensorRole role, uint32_t layer = 0) const;
  // Identifies the weights: the data checksum combined with the options.
  uint64_t fingerprint() const { return fingerprint_; }
  // Lets the kernel drop resident pages of the mapping (they are re-read if touched
  // again): of one tensor once it is packed, or of the whole file.
  void release_tensor_pages(TensorRole role, uint32_t layer) const;
  void release_weight_pages() const { file_.release_pages(file_.data(), file_.size()); }

 private:
  MappedFile file_;
  ModelOptions options_;
  ModelInfo info_{};
  TensorView* tensors_ = nullptr;  // expected_tensor order
  uint64_t fingerprint_ = 0;
};

}  // namespace ringrt
