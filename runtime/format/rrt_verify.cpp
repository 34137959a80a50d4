#include "rrt_verify.hpp"

#include <cstdint>
#include <cstring>

#include "checksum.hpp"
#include "model_contract.hpp"
#include "printable.hpp"

namespace ringrt {

namespace {

uint32_t read_u32_le(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

Status invalid(const char* path, const char* what) {
  return Status::Error(StatusCode::kInvalidModel, "%s: %s", path, what);
}

Status verify_tensor(const fb::Tensor& t, const TensorSpec& spec, std::size_t index, const fb::Model& model,
                     std::size_t file_size, const char* path) {
  char want[64], got[96];
  const auto* shape = t.shape();
  // FlatBuffers' verifier checks vectors for 4-byte alignment only; a damaged header
  // can place this uint64 vector at 4 mod 8.
  if (reinterpret_cast<std::uintptr_t>(shape->data()) % alignof(uint64_t) != 0) {
    return Status::Error(StatusCode::kInvalidModel, "%s: tensor %zu: shape vector is misaligned (damaged header)",
                         path, index);
  }
  const std::size_t name_len = std::strlen(spec.name);
  if (t.name()->size() != name_len || std::memcmp(t.name()->data(), spec.name, name_len) != 0) {
    char name[96];  // the file's bytes, escaped (a NUL or ESC in a damaged name must not reach the terminal)
    return Status::Error(StatusCode::kInvalidModel, "%s: tensor %zu is '%s', expected '%s'", path, index,
                         escape_printable(t.name()->data(), t.name()->size(), name, sizeof name), spec.name);
  }
  bool shape_ok = shape->size() == spec.rank;
  for (uint32_t d = 0; shape_ok && d < spec.rank; ++d) shape_ok = shape->Get(d) == spec.shape[d];
  if (!shape_ok) {
    const uint32_t rank = shape->size() < 8 ? shape->size() : 8;
    uint64_t dims[8];
    for (uint32_t d = 0; d < rank; ++d) dims[d] = shape->Get(d);
    return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s has shape %s, expected %s", path, spec.name,
                         format_shape(dims, rank, got, sizeof got),
                         format_shape(spec.shape, spec.rank, want, sizeof want));
  }
  uint64_t element_size;
  switch (t.dtype()) {
    case fb::DType::F32: element_size = 4; break;
    case fb::DType::F16: element_size = 2; break;
    default:
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s has unknown dtype %u", path, spec.name,
                           static_cast<unsigned>(t.dtype()));
  }
  const uint64_t elements = spec.rank == 1 ? spec.shape[0] : spec.shape[0] * spec.shape[1];
  if (t.size() != elements * element_size) {
    return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s has size %llu bytes, expected %llu", path,
                         spec.name, static_cast<unsigned long long>(t.size()),
                         static_cast<unsigned long long>(elements * element_size));
  }
  if (t.offset() % kTensorAlignment != 0) {
    return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s offset %llu is not a multiple of %llu", path,
                         spec.name, static_cast<unsigned long long>(t.offset()),
                         static_cast<unsigned long long>(kTensorAlignment));
  }
  if (t.offset() < model.data_offset() || t.offset() > file_size || t.size() > file_size - t.offset()) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: tensor %s [%llu, +%llu) lies outside the data section [%llu, %zu)", path, spec.name,
                         static_cast<unsigned long long>(t.offset()), static_cast<unsigned long long>(t.size()),
                         static_cast<unsigned long long>(model.data_offset()), file_size);
  }
  return Status::Ok();
}

}  // namespace

ModelOptions options_of(const fb::Model& model) {
  const fb::Options& o = *model.options();
  ModelOptions m;
  m.embed_dim = o.embed_dim();
  m.hidden_size = o.hidden_size();
  m.num_heads = o.num_heads();
  m.num_chunks = o.num_chunks();
  m.num_layers = o.num_layers();
  m.dropout = o.dropout();
  m.window_size = o.window_size();
  m.architecture = static_cast<Architecture>(model.architecture());
  m.causal = o.causal();
  m.num_kv_heads = o.num_kv_heads();
  m.sliding_window = o.sliding_window();
  m.logit_softcap = o.logit_softcap();
  m.attention_sinks = o.attention_sinks();
  return m;
}

Status verify_rrt(const uint8_t* bytes, std::size_t size, const char* path, const fb::Model** model_out,
                  bool verify_checksum) {
  if (size < 12) {
    return Status::Error(StatusCode::kInvalidModel, "%s: file is %zu bytes, too short for a ringrt model", path,
                         size);
  }
  if (!fb::ModelBufferHasIdentifier(bytes + 4)) {
    return invalid(path, "not a ringrt model (.rrt) file: bytes 8 to 11 are not its identifier \"RRT1\"");
  }
  const uint64_t fb_size = read_u32_le(bytes);
  if (fb_size > size - 4) {
    return Status::Error(StatusCode::kInvalidModel, "%s: header size %llu exceeds the file size (%zu bytes)", path,
                         static_cast<unsigned long long>(fb_size), size);
  }
  if (fb_size + 4 >= FLATBUFFERS_MAX_BUFFER_SIZE) return invalid(path, "header larger than 2 GiB");
  flatbuffers::Verifier verifier(bytes, static_cast<std::size_t>(fb_size + 4));
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) return invalid(path, "model header is damaged (FlatBuffer verification failed)");
  const fb::Model& model = *fb::GetSizePrefixedModel(bytes);

  if (model.schema_major() > kSchemaMajor) {
    return Status::Error(StatusCode::kUnsupportedVersion,
                         "%s: model schema version %u.%u is newer than this reader supports (%u.%u); upgrade ringrt",
                         path, model.schema_major(), model.schema_minor(), kSchemaMajor, kSchemaMinor);
  }
  if (model.schema_major() == 0) return invalid(path, "schema major version 0 is invalid");
  if (model.architecture() > fb::Architecture::MAX) {
    return Status::Error(StatusCode::kUnsupportedVersion, "%s: unknown architecture %u", path,
                         static_cast<unsigned>(model.architecture()));
  }
  const ModelOptions options = options_of(model);
  RINGRT_RETURN_IF_ERROR(validate_options(options, path));

  const uint64_t data_offset = model.data_offset();
  if (data_offset % kTensorAlignment != 0 || data_offset < fb_size + 4 || data_offset > size) {
    return Status::Error(StatusCode::kInvalidModel, "%s: data_offset %llu is invalid (header ends at %llu, file is %zu bytes)",
                         path, static_cast<unsigned long long>(data_offset),
                         static_cast<unsigned long long>(fb_size + 4), size);
  }
  if (model.data_size() != size - data_offset) {
    return Status::Error(StatusCode::kInvalidModel, "%s: data_size %llu disagrees with the file (%llu bytes after offset %llu); truncated?",
                         path, static_cast<unsigned long long>(model.data_size()),
                         static_cast<unsigned long long>(size - data_offset),
                         static_cast<unsigned long long>(data_offset));
  }
  const auto& tensors = *model.tensors();
  const std::size_t count = expected_tensor_count(options);
  if (tensors.size() != count) {
    return Status::Error(StatusCode::kInvalidModel, "%s: model has %u tensors, its options require %zu", path,
                         tensors.size(), count);
  }
  uint64_t previous_end = data_offset;
  for (std::size_t i = 0; i < count; ++i) {
    const fb::Tensor& t = *tensors.Get(static_cast<uint32_t>(i));
    const TensorSpec spec = expected_tensor(options, i);
    RINGRT_RETURN_IF_ERROR(verify_tensor(t, spec, i, model, size, path));
    if (t.offset() < previous_end) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s at offset %llu overlaps the tensor before it",
                           path, spec.name, static_cast<unsigned long long>(t.offset()));
    }
    previous_end = t.offset() + t.size();
    if (t.dtype() != tensors.Get(0)->dtype()) {
      return Status::Error(StatusCode::kInvalidModel, "%s: tensor %s has dtype %s but the model's first tensor has %s",
                           path, spec.name, fb::EnumNameDType(t.dtype()), fb::EnumNameDType(tensors.Get(0)->dtype()));
    }
  }
  const uint64_t checksum = verify_checksum ? fnv1a64(bytes + data_offset, size - data_offset) : model.data_checksum();
  if (checksum != model.data_checksum()) {
    return Status::Error(StatusCode::kInvalidModel,
                         "%s: data checksum mismatch (file says %016llx, data hashes to %016llx): the weights are damaged",
                         path, static_cast<unsigned long long>(model.data_checksum()),
                         static_cast<unsigned long long>(checksum));
  }
  if (model_out) *model_out = &model;
  return Status::Ok();
}

}  // namespace ringrt
