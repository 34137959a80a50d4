// Model::load: mmap, then verify_rrt (FlatBuffers verifier + every check of the contract).
#include <cstdio>
#include <cstring>
#include <new>

#include "checksum.hpp"
#include "finite_weights.hpp"
#include "model_impl.hpp"
#include "ringrt_generated.h"
#include "rrt_verify.hpp"

namespace ringrt {

namespace {

uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// The data checksum combined with the options. The seven Edifice options are hashed
// in the layout ModelOptions had before schema 1.1, so an Edifice model keeps its
// fingerprint (and KV file stores written before stay resumable); other
// architectures add their attention options.
uint64_t fingerprint_of(const ModelOptions& o, uint64_t data_checksum) {
  const uint32_t edifice[7] = {o.embed_dim,  o.hidden_size,         o.num_heads,  o.num_chunks,
                               o.num_layers, float_bits(o.dropout), o.window_size};
  const uint64_t h = fnv1a64(edifice, sizeof edifice, data_checksum);
  if (o.architecture == Architecture::kEdificeRingAttention) return h;
  const uint32_t attention[6] = {static_cast<uint32_t>(o.architecture), o.causal, o.kv_heads(), o.sliding_window,
                                 float_bits(o.logit_softcap), o.attention_sinks};
  return fnv1a64(attention, sizeof attention, h);
}

}  // namespace

Status ModelImpl::load(const char* path, const Model::LoadOptions& load_options) {
  RINGRT_RETURN_IF_ERROR(file_.open(path));
  const fb::Model* root = nullptr;
  RINGRT_RETURN_IF_ERROR(verify_rrt(file_.data(), file_.size(), path, &root, load_options.verify_checksum));
  options_ = options_of(*root);

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
  // The contract's last check of the data: every weight finite. Skipped with the
  // checksum (LoadOptions: the weights are then not read at load at all).
  if (load_options.verify_checksum) RINGRT_RETURN_IF_ERROR(check_finite_weights(options_, tensors_, count, path));
  fingerprint_ = fingerprint_of(options_, root->data_checksum());
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
  return tensors_[expected_tensor_index(options_, role, layer)];
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
