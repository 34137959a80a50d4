// Model::load: mmap, then verify_rrt (FlatBuffers verifier + every check of the contract).
#include <cstdio>
#include <cstring>
#include <new>

#include "checksum.hpp"
#include "model_impl.hpp"
#include "ringrt_generated.h"
#include "rrt_verify.hpp"

namespace ringrt {

Status ModelImpl::load(const char* path, const Model::LoadOptions& load_options) {
  RINGRT_RETURN_IF_ERROR(file_.open(path));
  const fb::Model* root = nullptr;
  RINGRT_RETURN_IF_ERROR(verify_rrt(file_.data(), file_.size(), path, &root, load_options.verify_checksum));
  const fb::Options* o = root->options();
  options_.embed_dim = o->embed_dim();
  options_.hidden_size = o->hidden_size();
  options_.num_heads = o->num_heads();
  options_.num_chunks = o->num_chunks();
  options_.num_layers = o->num_layers();
  options_.dropout = o->dropout();
  options_.window_size = o->window_size();

  // verify_rrt checked every tensor against the contract; keep views in contract order.
  const std::size_t count = expected_tensor_count(options_);
  tensors_ = new (std::nothrow) TensorView[count];
  if (!tensors_) return Status::Error(StatusCode::kOutOfMemory, "%s: cannot allocate the tensor table", path);
  for (std::size_t i = 0; i < count; ++i) {
    const fb::Tensor* t = root->tensors()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const bool f16 = t->dtype() == fb::DType::F16;
    tensors_[i].data = file_.data() + t->offset();
    tensors_[i].elements = t->size() / (f16 ? 2 : 4);
    tensors_[i].type = f16 ? WeightType::kF16 : WeightType::kF32;
  }
  fingerprint_ = fnv1a64(&options_, sizeof options_, root->data_checksum());
  // The checksum touched every page of the weights. They are read once more, when
  // a session packs them (one tensor at a time, released after), so let them go
  // now: the process's resident memory stays at what the session plan announces.
  release_weight_pages();
  info_.embed_dim = options_.embed_dim;
  info_.hidden_size = options_.hidden_size;
  info_.num_heads = options_.num_heads;
  info_.num_layers = options_.num_layers;
  info_.schema_major = root->schema_major();
  info_.schema_minor = root->schema_minor();
  info_.weights_f16 = tensors_[0].type == WeightType::kF16;
  info_.file_bytes = file_.size();
  return Status::Ok();
}

const TensorView& ModelImpl::tensor(TensorRole role, uint32_t layer) const {
  std::size_t index;
  const std::size_t in = options_.has_input_projection() ? 2 : 0;
  const std::size_t layers_end = in + static_cast<std::size_t>(options_.num_layers) * kTensorsPerLayer;
  switch (role) {
    case TensorRole::kInputKernel: index = 0; break;
    case TensorRole::kInputBias: index = 1; break;
    case TensorRole::kFinalNormGamma: index = layers_end; break;
    case TensorRole::kFinalNormBeta: index = layers_end + 1; break;
    default:
      index = in + static_cast<std::size_t>(layer - 1) * kTensorsPerLayer +
              (static_cast<std::size_t>(role) - static_cast<std::size_t>(TensorRole::kAttnNormGamma));
  }
  return tensors_[index];
}

void ModelImpl::release_tensor_pages(TensorRole role, uint32_t layer) const {
  const TensorView& t = tensor(role, layer);
  file_.release_pages(t.data, t.elements * (t.type == WeightType::kF16 ? 2 : 4));
}

Status Model::load(const char* path, std::unique_ptr<Model>* out) { return load(path, LoadOptions(), out); }

Status Model::load(const char* path, const LoadOptions& options, std::unique_ptr<Model>* out) {
  if (!path || !out) return Status::Error(StatusCode::kInvalidArgument, "Model::load: null argument");
  ModelImpl* impl = new (std::nothrow) ModelImpl();
  if (!impl) return Status::Error(StatusCode::kOutOfMemory, "%s: out of memory", path);
  Status s = impl->load(path, options);
  if (!s.ok()) {
    delete impl;
    return s;
  }
  out->reset(new (std::nothrow) Model(impl));
  if (!*out) {
    delete impl;
    return Status::Error(StatusCode::kOutOfMemory, "%s: out of memory", path);
  }
  return Status::Ok();
}

Model::~Model() { delete impl_; }

ModelInfo Model::info() const { return impl_->info(); }

}  // namespace ringrt
