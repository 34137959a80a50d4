#include "rrt_writer.hpp"

#include <cmath>

#include "atomic_file.hpp"
#include "checksum.hpp"
#include "errors.hpp"
#include "input_file.hpp"
#include "ringrt_generated.h"
#include "rrt_verify.hpp"

#ifndef RINGRT_VERSION
#error "RINGRT_VERSION must be defined by the build"
#endif

namespace ringrt::convert {

namespace {

struct Layout {
  uint64_t data_offset = 0;
  std::vector<uint64_t> offsets, sizes;
  uint64_t end = 0;  // file size
};

struct HeaderValues {
  const ModelOptions* options;
  const std::vector<PlannedTensor>* tensors;
  StorageDType dtype;
  const Layout* layout;
  uint64_t checksum;
};

uint64_t round_up(uint64_t x, uint64_t to) { return (x + to - 1) / to * to; }

void build_header(flatbuffers::FlatBufferBuilder& fbb, const HeaderValues& v) {
  fbb.ForceDefaults(true);  // every field present: the size does not depend on the values
  const ModelOptions& o = *v.options;
  const fb::DType dtype = v.dtype == StorageDType::kF32 ? fb::DType::F32 : fb::DType::F16;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (std::size_t i = 0; i < v.tensors->size(); ++i) {
    const TensorSpec& spec = (*v.tensors)[i].spec;
    auto name = fbb.CreateString(spec.name);
    auto shape = fbb.CreateVector(std::vector<uint64_t>(spec.shape, spec.shape + spec.rank));
    tensors.push_back(fb::CreateTensor(fbb, name, shape, dtype, v.layout->offsets[i], v.layout->sizes[i]));
  }
  auto tensor_vector = fbb.CreateVector(tensors);
  auto producer = fbb.CreateString(producer_string());
  auto options = create_options(fbb, o);
  const uint64_t data_size = v.layout->end - v.layout->data_offset;
  auto model = fb::CreateModel(fbb, kSchemaMajor, kSchemaMinor, producer, fb_architecture(o), options,
                               tensor_vector, v.layout->data_offset, data_size, v.checksum);
  fb::FinishSizePrefixedModelBuffer(fbb, model);
}

Layout plan_layout(uint64_t header_bytes, const std::vector<PlannedTensor>& tensors, StorageDType dtype) {
  Layout l;
  l.data_offset = round_up(header_bytes, kTensorAlignment);
  uint64_t at = l.data_offset;
  for (const PlannedTensor& t : tensors) {
    at = round_up(at, kTensorAlignment);
    l.offsets.push_back(at);
    l.sizes.push_back(t.source->element_count * dtype_size(dtype));
    at += l.sizes.back();
  }
  l.end = at;
  return l;
}

// Converts one tensor to little-endian storage bytes, refusing values the runtime
// cannot use.
void encode_tensor(const PlannedTensor& t, StorageDType dtype, const std::string& origin,
                   std::vector<uint8_t>& out) {
  const SafetensorsTensor& src = *t.source;
  const std::size_t in_step = dtype_size(src.dtype), out_step = dtype_size(dtype);
  out.resize(src.element_count * out_step);
  for (uint64_t i = 0; i < src.element_count; ++i) {
    const float x = load_source(src.dtype, src.data + i * in_step);
    if (!std::isfinite(x)) {
      throw Error(origin + ": tensor " + src.name + " element " + std::to_string(i) + " is not finite (" +
                  std::to_string(x) + ")");
    }
    uint8_t* p = out.data() + i * out_step;
    if (dtype == StorageDType::kF32) {
      store_u32_le(p, f32_bits(x));
    } else {
      const uint16_t h = f32_to_f16(x);
      if ((h & 0x7c00u) == 0x7c00u) {
        throw Error(origin + ": tensor " + src.name + " element " + std::to_string(i) + " (" + std::to_string(x) +
                    ") is too large for f16 storage (max 65504); convert with --dtype f32");
      }
      store_u16_le(p, h);
    }
  }
}

}  // namespace

std::string producer_string() { return std::string("ringrt-convert ") + RINGRT_VERSION; }

fb::Architecture fb_architecture(const ModelOptions& o) { return static_cast<fb::Architecture>(o.architecture); }

flatbuffers::Offset<fb::Options> create_options(flatbuffers::FlatBufferBuilder& fbb, const ModelOptions& o) {
  return fb::CreateOptions(fbb, o.embed_dim, o.hidden_size, o.num_heads, o.num_chunks, o.num_layers, o.dropout,
                           o.window_size, o.causal, o.kv_heads(), o.sliding_window, o.logit_softcap,
                           o.attention_sinks);
}

RrtWriteResult write_rrt(const std::string& path, const ModelOptions& options,
                         const std::vector<PlannedTensor>& tensors, StorageDType dtype,
                         const std::string& origin) {
  // First build with placeholder values only to learn the header size.
  Layout layout = plan_layout(0, tensors, dtype);
  flatbuffers::FlatBufferBuilder sizing;
  build_header(sizing, {&options, &tensors, dtype, &layout, 0});
  layout = plan_layout(sizing.GetSize(), tensors, dtype);

  AtomicFile file(path);
  uint64_t checksum = kFnv1a64Seed;
  static const uint8_t zeros[kTensorAlignment] = {};
  std::vector<uint8_t> bytes;
  uint64_t at = layout.data_offset;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    checksum = fnv1a64(zeros, layout.offsets[i] - at, checksum);  // padding
    encode_tensor(tensors[i], dtype, origin, bytes);
    file.write_at(layout.offsets[i], bytes.data(), bytes.size());
    checksum = fnv1a64(bytes.data(), bytes.size(), checksum);
    at = layout.offsets[i] + layout.sizes[i];
  }

  flatbuffers::FlatBufferBuilder fbb;
  build_header(fbb, {&options, &tensors, dtype, &layout, checksum});
  if (fbb.GetSize() > layout.data_offset) {
    throw Error(path + ": internal error: model header grew from " + std::to_string(sizing.GetSize()) + " to " +
                std::to_string(fbb.GetSize()) + " bytes");
  }
  std::vector<uint8_t> head(layout.data_offset, 0);
  std::copy(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize(), head.begin());
  file.write_at(0, head.data(), head.size());

  {  // Read back what was written before it replaces anything.
    const InputFile written(file.temp_path());
    const Status status = verify_rrt(written.data(), written.size(), path.c_str(), nullptr);
    if (!status.ok()) throw Error(std::string("internal error: the written file fails verification: ") + status.message());
  }
  file.commit();
  return {layout.end, layout.data_offset, layout.end - layout.data_offset, checksum};
}

}  // namespace ringrt::convert
