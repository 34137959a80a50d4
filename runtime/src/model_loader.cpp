// Model::load: mmap + FlatBuffers verifier + every semantic check of the contract.
#include <cstdio>
#include <cstring>
#include <new>

#include "checksum.hpp"
#include "model_impl.hpp"
#include "ringrt_generated.h"

namespace ringrt {

namespace fb = ringrt::fb;

namespace {

uint64_t dtype_bytes(fb::DType t) { return t == fb::DType::F16 ? 2 : 4; }

// a * b without overflow; false if it would overflow.
bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > UINT64_MAX / a) return false;
  *out = a * b;
  return true;
}

}  // namespace

Status ModelImpl::load(const char* path, const Model::LoadOptions& load_options) {
  RINGRT_RETURN_IF_ERROR(file_.open(path));
  const uint8_t* base = file_.data();
  const uint64_t size = file_.size();
  if (size < 12) {
    return Status::Error(StatusCode::kInvalidModel, "%s: %llu bytes is too short for a ringrt model",
                         path, static_cast<unsigned long long>(size));
  }
  if (std::memcmp(base + 8, kFileIdentifier, 4) != 0) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: not a ringrt model (file identifier is not \"%s\"); convert it with ringrt-convert",
                         path, kFileIdentifier);
  }
  uint32_t fb_size;
  std::memcpy(&fb_size, base, 4);
  if (4ull + fb_size > size) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: truncated: the model header needs %llu bytes but the file has %llu", path,
                         4ull + fb_size, static_cast<unsigned long long>(size));
  }
  flatbuffers::Verifier verifier(base, 4ull + fb_size);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: damaged model header (FlatBuffers verification failed)", path);
  }
  const fb::Model* root = fb::GetSizePrefixedModel(base);
  if (root->schema_major() > kSchemaMajor) {
    return Status::Error(StatusCode::kUnsupportedVersion,
                         "%s: model uses schema version %u.%u but this runtime reads version %u.x; "
                         "upgrade ringrt or convert with a matching ringrt-convert",
                         path, root->schema_major(), root->schema_minor(), kSchemaMajor);
  }
  if (root->schema_major() == 0) {
    return Status::Error(StatusCode::kInvalidModel, "%s: schema major version 0 is invalid", path);
  }
  if (root->architecture() != fb::Architecture::EdificeRingAttention) {
    return Status::Error(StatusCode::kUnsupportedVersion,
                         "%s: unknown architecture %u; this runtime supports %s (0)", path,
                         static_cast<unsigned>(root->architecture()),
                         fb::EnumNameArchitecture(fb::Architecture::EdificeRingAttention));
  }
  const fb::Options* o = root->options();
  options_.embed_dim = o->embed_dim();
  options_.hidden_size = o->hidden_size();
  options_.num_heads = o->num_heads();
  options_.num_chunks = o->num_chunks();
  options_.num_layers = o->num_layers();
  options_.dropout = o->dropout();
  options_.window_size = o->window_size();
  RINGRT_RETURN_IF_ERROR(validate_options(options_, path));

  const uint64_t data_offset = root->data_offset();
  if (data_offset < 4ull + fb_size || data_offset > size || root->data_size() != size - data_offset) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: data section [%llu, +%llu) does not match the file size %llu (truncated or padded?)",
                         path, static_cast<unsigned long long>(data_offset),
                         static_cast<unsigned long long>(root->data_size()),
                         static_cast<unsigned long long>(size));
  }
  RINGRT_RETURN_IF_ERROR(check_tensors(root, path));
  if (load_options.verify_checksum) {
    const uint64_t sum = fnv1a64(base + data_offset, size - data_offset);
    if (sum != root->data_checksum()) {
      return Status::Error(StatusCode::kInvalidModel,
                           "%s: weight data checksum mismatch (file damaged or modified after conversion)", path);
    }
  }
  fingerprint_ = fnv1a64(&options_, sizeof options_, root->data_checksum());
  info_.embed_dim = options_.embed_dim;
  info_.hidden_size = options_.hidden_size;
  info_.num_heads = options_.num_heads;
  info_.num_layers = options_.num_layers;
  info_.schema_major = root->schema_major();
  info_.schema_minor = root->schema_minor();
  info_.weights_f16 = tensors_[0].type == WeightType::kF16;
  info_.file_bytes = size;
  return Status::Ok();
}

Status ModelImpl::check_tensors(const void* root_ptr, const char* path) {
  const fb::Model* root = static_cast<const fb::Model*>(root_ptr);
  const auto* tensors = root->tensors();
  const std::size_t count = expected_tensor_count(options_);
  if (tensors->size() != count) {
    return Status::Error(StatusCode::kInvalidModel, "%s: has %u tensors, the options require %zu", path,
                         tensors->size(), count);
  }
  tensors_ = new (std::nothrow) TensorView[count];
  if (!tensors_) return Status::Error(StatusCode::kOutOfMemory, "%s: cannot allocate the tensor table", path);
  const uint64_t file_size = file_.size();
  uint64_t previous_end = root->data_offset();
  bool have_type = false;
  fb::DType model_type = fb::DType::F32;
  char want[48], got[48];
  for (std::size_t i = 0; i < count; ++i) {
    const TensorSpec spec = expected_tensor(options_, i);
    const fb::Tensor* t = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
    const flatbuffers::String* name = t->name();
    const std::size_t name_len = std::strlen(spec.name);
    if (name->size() != name_len || std::memcmp(name->data(), spec.name, name_len) != 0) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor %zu is '%.*s', expected '%s'", path, i,
                           static_cast<int>(name->size() < 64 ? name->size() : 64), name->data(), spec.name);
    }
    const auto* shape = t->shape();
    uint64_t dims[2] = {0, 0};
    for (uint32_t d = 0; d < shape->size() && d < 2; ++d) dims[d] = shape->Get(d);
    if (shape->size() != spec.rank || dims[0] != spec.shape[0] || dims[1] != spec.shape[1]) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor '%s' has shape %s, expected %s", path,
                           spec.name, format_shape(dims, shape->size() < 2 ? shape->size() : 2, got, sizeof got),
                           format_shape(spec.shape, spec.rank, want, sizeof want));
    }
    const fb::DType type = t->dtype();
    if (type != fb::DType::F32 && type != fb::DType::F16) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor '%s' has unknown dtype %u", path, spec.name,
                           static_cast<unsigned>(type));
    }
    if (have_type && type != model_type) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor '%s' mixes dtypes within one model", path,
                           spec.name);
    }
    have_type = true;
    model_type = type;
    uint64_t elements = spec.shape[0] * (spec.rank == 2 ? spec.shape[1] : 1);
    uint64_t bytes = 0;
    if (!checked_mul(elements, dtype_bytes(type), &bytes) || t->size() != bytes) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor '%s' has %llu bytes, its shape needs %llu",
                           path, spec.name, static_cast<unsigned long long>(t->size()),
                           static_cast<unsigned long long>(bytes));
    }
    const uint64_t offset = t->offset();
    if (offset % kTensorAlignment != 0) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor '%s' at offset %llu is not %llu-byte aligned",
                           path, spec.name, static_cast<unsigned long long>(offset),
                           static_cast<unsigned long long>(kTensorAlignment));
    }
    if (offset > file_size || bytes > file_size - offset) {
      return Status::Error(StatusCode::kInvalidModel,
                           "%s: tensor '%s' [%llu, +%llu) lies outside the %llu-byte file (truncated?)", path,
                           spec.name, static_cast<unsigned long long>(offset),
                           static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(file_size));
    }
    if (offset < previous_end) {
      return Status::Error(StatusCode::kInvalidModel,
                           "%s: tensor '%s' at offset %llu overlaps the header or the previous tensor", path,
                           spec.name, static_cast<unsigned long long>(offset));
    }
    previous_end = offset + bytes;
    tensors_[i].data = file_.data() + offset;
    tensors_[i].elements = elements;
    tensors_[i].type = type == fb::DType::F16 ? WeightType::kF16 : WeightType::kF32;
  }
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
