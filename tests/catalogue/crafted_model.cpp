#include "crafted_model.hpp"

#include <cstring>

#include "checksum.hpp"
#include "ringrt_generated.h"
#include "rrt_writer.hpp"

namespace ringrt::catalogue {

namespace {

uint64_t round_up(uint64_t x, uint64_t to) { return (x + to - 1) / to * to; }

std::string header_bytes(const CraftedModel& m) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.ForceDefaults(true);  // every field present: the size does not depend on the values
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const CraftedTensor& t : m.tensors) {
    auto name = fbb.CreateString(t.name);
    auto shape = fbb.CreateVector(t.shape);
    tensors.push_back(fb::CreateTensor(fbb, name, shape, static_cast<fb::DType>(t.dtype), t.offset, t.size));
  }
  auto tensor_vector = fbb.CreateVector(tensors);
  auto producer = fbb.CreateString("ringrt catalogue");
  const ModelOptions& o = m.options;
  auto options = convert::create_options(fbb, o);
  auto model = fb::CreateModel(fbb, m.schema_major, m.schema_minor, producer,
                               static_cast<fb::Architecture>(m.architecture), options, tensor_vector,
                               m.data_offset, m.data_size, m.data_checksum);
  fb::FinishSizePrefixedModelBuffer(fbb, model);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

}  // namespace

CraftedModel contract_model(const ModelOptions& options) {
  CraftedModel m;
  m.options = options;
  m.architecture = static_cast<uint16_t>(options.architecture);
  const std::size_t count = expected_tensor_count(options);
  for (std::size_t i = 0; i < count; ++i) {
    const TensorSpec spec = expected_tensor(options, i);
    CraftedTensor t;
    t.name = spec.name;
    t.shape.assign(spec.shape, spec.shape + spec.rank);
    t.size = (spec.rank == 1 ? spec.shape[0] : spec.shape[0] * spec.shape[1]) * 4;
    m.tensors.push_back(t);
  }
  return m;
}

std::string build_rrt(CraftedModel m, const std::function<void(CraftedModel&)>& edit) {
  // With every field forced present, the header size depends only on names and ranks.
  const uint64_t header_size = header_bytes(m).size();
  m.data_offset = round_up(header_size, kTensorAlignment);
  uint64_t at = m.data_offset;
  for (CraftedTensor& t : m.tensors) {
    t.offset = round_up(at, kTensorAlignment);
    at = t.offset + t.size;
  }
  const uint64_t file_size = at;
  m.data_size = file_size - m.data_offset;

  std::string image(file_size, '\0');
  for (const CraftedTensor& t : m.tensors) {  // small finite values (0.0625 steps, f32 or f16 bits)
    for (uint64_t b = 0; b < t.size; ++b) image[t.offset + b] = static_cast<char>(b % 4 == 3 ? 0x3c : 0);
  }
  if (edit) edit(m);
  if (m.fix_checksum) {
    m.data_checksum = m.data_offset <= file_size ? fnv1a64(image.data() + m.data_offset, file_size - m.data_offset)
                                                 : 0;
  }
  const std::string header = header_bytes(m);
  if (header.size() > image.size()) image.resize(header.size());
  std::memcpy(&image[0], header.data(), header.size());
  return image;
}

}  // namespace ringrt::catalogue
