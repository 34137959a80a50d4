// Conversion round trips: every stored value, the file layout and the header,
// checked against values known independently of the converter.
#include <cmath>
#include <cstring>

#include "converter_test_util.hpp"
#include "fp16.hpp"

namespace ringrt::test {
namespace {

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

uint32_t u32_at(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
uint16_t u16_at(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// Checks the layout rules of schema/ringrt.fbs and the header fields; returns the model.
const fb::Model* check_layout(const LoadedRrt& rrt, const ModelOptions& o, fb::DType dtype) {
  const fb::Model* m = rrt.model;
  if (!m) return nullptr;
  EXPECT_EQ(rrt.bytes.substr(8, 4), "RRT1");
  EXPECT_EQ(m->schema_major(), 1);
  EXPECT_EQ(m->schema_minor(), 1);
  EXPECT_EQ(m->producer()->str(), "ringrt-convert " RINGRT_PROJECT_VERSION);
  EXPECT_EQ(m->architecture(), o.architecture == Architecture::kRingEncoder ? fb::Architecture::RingEncoder
                                                                            : fb::Architecture::EdificeRingAttention);
  EXPECT_EQ(m->options()->embed_dim(), o.embed_dim);
  EXPECT_EQ(m->options()->hidden_size(), o.hidden_size);
  EXPECT_EQ(m->options()->num_heads(), o.num_heads);
  EXPECT_EQ(m->options()->num_layers(), o.num_layers);
  EXPECT_EQ(m->options()->num_chunks(), 4u);
  EXPECT_EQ(m->options()->window_size(), 60u);
  EXPECT_EQ(m->options()->dropout(), 0.1f);
  // The attention options, Edifice's for an Edifice model; num_kv_heads resolved.
  EXPECT_EQ(m->options()->causal(), o.causal);
  EXPECT_EQ(m->options()->num_kv_heads(), o.num_kv_heads ? o.num_kv_heads : o.num_heads);
  EXPECT_EQ(m->options()->sliding_window(), o.sliding_window);
  EXPECT_EQ(m->options()->logit_softcap(), o.logit_softcap);
  EXPECT_EQ(m->options()->attention_sinks(), o.attention_sinks);

  const uint64_t size = rrt.bytes.size();
  EXPECT_EQ(m->data_offset() % 64, 0u);
  EXPECT_GE(m->data_offset(), u32_at(rrt.data()) + 4ull);
  EXPECT_EQ(m->data_size(), size - m->data_offset());
  EXPECT_EQ(m->data_checksum(), reference_fnv1a64(rrt.data() + m->data_offset(), size - m->data_offset()));

  uint64_t end = m->data_offset();
  for (uint32_t i = 0; i < m->tensors()->size(); ++i) {
    const fb::Tensor* t = m->tensors()->Get(i);
    const TensorSpec spec = expected_tensor(o, i);
    EXPECT_EQ(t->name()->str(), spec.name);
    EXPECT_EQ(t->dtype(), dtype);
    EXPECT_EQ(t->offset() % 64, 0u) << spec.name;
    EXPECT_GE(t->offset(), end) << spec.name;
    EXPECT_LT(t->offset() - end, 64u) << spec.name << ": no more padding than needed";
    for (uint64_t b = end; b < t->offset(); ++b) EXPECT_EQ(rrt.bytes[b], 0) << "padding byte " << b;
    end = t->offset() + t->size();
  }
  EXPECT_EQ(end, size) << "the file ends with the last tensor";
  return m;
}

// Converts `f` with f32 storage, checks the layout and every stored value's bits
// against the entries; returns the file (model null on a failure).
LoadedRrt convert_f32_bit_exact(const SmallModelFiles& f) {
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + f.output), std::string::npos);
  LoadedRrt rrt = load_rrt(f.output);
  const fb::Model* m = check_layout(rrt, f.options, fb::DType::F32);
  if (!m || m->tensors()->size() != f.entries.size()) {
    ADD_FAILURE() << "the model does not hold the " << f.entries.size() << " tensors";
    rrt.model = nullptr;
    return rrt;
  }
  for (uint32_t i = 0; i < m->tensors()->size(); ++i) {
    const fb::Tensor* t = m->tensors()->Get(i);
    const SafetensorsEntry& e = f.entries[i];
    EXPECT_EQ(std::vector<uint64_t>(t->shape()->begin(), t->shape()->end()), e.shape) << e.name;
    EXPECT_EQ(t->size(), e.values.size() * 4) << e.name;
    if (t->size() != e.values.size() * 4) continue;
    for (std::size_t k = 0; k < e.values.size(); ++k) {
      if (u32_at(rrt.data() + t->offset() + 4 * k) != bits_of(e.values[k])) {
        ADD_FAILURE() << e.name << "[" << k << "] is not bit exact";
        break;
      }
    }
  }
  return rrt;
}

TEST(ConverterRoundTrip, F32StorageIsBitExactForF32F16AndBf16Sources) {
  SmallModelFiles f(small_options(6, 8, 2, 1));
  // A few F32 values that no narrower type holds, and a negative zero.
  f.entries[0].values[0] = -0.0f;
  f.entries[0].values[1] = 0.1f;
  f.entries[0].values[2] = 1.0e-30f;
  f.entries[0].values[3] = -3.4e38f;
  write_safetensors(f.weights, f.entries);

  const LoadedRrt rrt = convert_f32_bit_exact(f);
  ASSERT_NE(rrt.model, nullptr);
  EXPECT_EQ(rrt.model->tensors()->size(), 16u);  // 2 input projection + 12 per layer + 2 final norm
}

TEST(ConverterRoundTrip, RingEncoderWithEveryOptionIsBitExact) {
  // 4 heads of 2, 2 kv heads: qkv [8, (4 + 2 * 2) * 2] = [8, 16]; sinks [4] per layer.
  SmallModelFiles f(ring_encoder_options(6, 8, 4, 2, /*causal=*/false, /*kv_heads=*/2, /*sliding_window=*/5,
                                         /*logit_softcap=*/30.5f, /*attention_sinks=*/true));
  const LoadedRrt rrt = convert_f32_bit_exact(f);
  ASSERT_NE(rrt.model, nullptr);
  ASSERT_EQ(rrt.model->tensors()->size(), 2u + 2 * 13 + 2);
  const fb::Tensor* qkv = rrt.model->tensors()->Get(4);
  EXPECT_EQ(qkv->name()->str(), "ring_1_qkv.kernel");
  EXPECT_EQ(std::vector<uint64_t>(qkv->shape()->begin(), qkv->shape()->end()), (std::vector<uint64_t>{8, 16}));
  const fb::Tensor* sinks = rrt.model->tensors()->Get(6);
  EXPECT_EQ(sinks->name()->str(), "ring_1_attn_sinks");
  EXPECT_EQ(std::vector<uint64_t>(sinks->shape()->begin(), sinks->shape()->end()), (std::vector<uint64_t>{4}));
  EXPECT_EQ(rrt.model->tensors()->Get(19)->name()->str(), "ring_2_attn_sinks");
}

TEST(ConverterRoundTrip, RingEncoderWithoutAttentionKeysHasTheEdificeTensors) {
  SmallModelFiles f(ring_encoder_options(6, 8, 2, 1));
  write_file(f.config, R"({"architecture": "ring_encoder", "embed_dim": 6, "hidden_size": 8, "num_heads": 2,
                           "num_layers": 1})");
  const LoadedRrt rrt = convert_f32_bit_exact(f);  // checks num_kv_heads = num_heads in the header
  ASSERT_NE(rrt.model, nullptr);
  const SmallModelFiles edifice(small_options(6, 8, 2, 1));
  ASSERT_EQ(f.entries.size(), edifice.entries.size());
  for (std::size_t i = 0; i < f.entries.size(); ++i) {
    EXPECT_EQ(f.entries[i].name, edifice.entries[i].name);
    EXPECT_EQ(f.entries[i].shape, edifice.entries[i].shape);
  }
}

TEST(ConverterRoundTrip, HandEncodedF16AndBf16SourcesWidenExactly) {
  // One tensor written byte by byte: F16 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24
  // (smallest subnormal), 0x7BFF = 65504, 0x3555 = 0.333251953125, ...; BF16
  // 0x3F80 = 1, 0x4049 = 3.140625, 0xC2F7 = -123.5, 0x0001 = 2^-133 (subnormal float).
  const ModelOptions o = small_options(2, 2, 1, 1);  // H = 2: [H] tensors hold 2 values
  std::vector<SafetensorsEntry> entries = exact_entries(o);
  TempDir dir;
  // Replace ring_1_attn_norm.gamma (index 0) and .beta (1) by hand-written bytes.
  std::string header = "{";
  std::string data;
  uint64_t at = 0;
  auto add = [&](const std::string& name, const char* dtype, const std::vector<uint64_t>& shape,
                 const std::string& bytes) {
    header += (header.size() > 1 ? "," : "") + std::string("\"") + name + "\":{\"dtype\":\"" + dtype +
              "\",\"shape\":" + (shape.size() == 1 ? "[" + std::to_string(shape[0]) + "]"
                                                   : "[" + std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "]") +
              ",\"data_offsets\":[" + std::to_string(at) + "," + std::to_string(at + bytes.size()) + "]}";
    data += bytes;
    at += bytes.size();
  };
  add("ring_1_attn_norm.gamma", "F16", {2}, std::string("\x00\x3C\x00\xC0", 4));
  add("ring_1_attn_norm.beta", "BF16", {2}, std::string("\x80\x3F\x49\x40", 4));
  add("ring_1_qkv.bias", "F16", {6}, std::string("\x01\x00\xFF\x7B\x55\x35\x00\x80\x00\x3C\x00\x3C", 12));
  add("ring_1_out_proj.bias", "BF16", {2}, std::string("\xF7\xC2\x01\x00", 4));
  for (const SafetensorsEntry& e : entries) {
    if (e.name == "ring_1_attn_norm.gamma" || e.name == "ring_1_attn_norm.beta" || e.name == "ring_1_qkv.bias" ||
        e.name == "ring_1_out_proj.bias") {
      continue;
    }
    std::string bytes;
    for (float v : e.values) bytes.append(reinterpret_cast<const char*>(&v), 4);  // little-endian host
    add(e.name, "F32", e.shape, bytes);
  }
  header += "}";
  write_file(dir.file("p.safetensors"), raw_safetensors(header, data));
  write_config(dir.file("c.json"), o);

  const CommandResult r = run_convert(
      {"--config", dir.file("c.json"), "--weights", dir.file("p.safetensors"), "--output", dir.file("m.rrt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const LoadedRrt rrt = load_rrt(dir.file("m.rrt"));
  ASSERT_NE(check_layout(rrt, o, fb::DType::F32), nullptr);
  auto values = [&](uint32_t index) {
    const fb::Tensor* t = rrt.model->tensors()->Get(index);
    std::vector<uint32_t> v;
    for (uint64_t k = 0; k < t->size() / 4; ++k) v.push_back(u32_at(rrt.data() + t->offset() + 4 * k));
    return v;
  };
  // Expected float32 bit patterns, worked out by hand.
  EXPECT_EQ(values(0), (std::vector<uint32_t>{0x3F800000u, 0xC0000000u}));  // 1, -2
  EXPECT_EQ(values(1), (std::vector<uint32_t>{0x3F800000u, 0x40490000u}));  // 1, 3.140625
  // 2^-24, 65504, 0.333251953125, -0, 1, 1
  EXPECT_EQ(values(3), (std::vector<uint32_t>{0x33800000u, 0x477FE000u, 0x3EAAA000u, 0x80000000u, 0x3F800000u,
                                              0x3F800000u}));
  EXPECT_EQ(values(5), (std::vector<uint32_t>{0xC2F70000u, 0x00010000u}));  // -123.5, 2^-133
}

TEST(ConverterRoundTrip, F16StorageRoundsEveryValueToNearestHalf) {
  SmallModelFiles f(small_options(6, 8, 2, 1));
  // F32 tensors get values no half holds; hand values first: 0.1 -> 0x2E66,
  // 1/3 -> 0x3555, 65504 -> 0x7BFF, 1e-8 -> 0 (below half the smallest subnormal),
  // 6e-8 -> 0x0001 (2^-24 = 5.96e-8), -2.5 -> 0xC100.
  for (std::size_t t = 0; t < f.entries.size(); t += 3) {
    std::vector<float>& v = f.entries[t].values;
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = std::sin(0.37f * static_cast<float>(k + 1) + t) * 3.0f;
  }
  std::vector<float>& hand = f.entries[0].values;
  const float hand_in[] = {0.1f, 1.0f / 3.0f, 65504.0f, 1e-8f, 6e-8f, -2.5f};
  const uint16_t hand_out[] = {0x2E66, 0x3555, 0x7BFF, 0x0000, 0x0001, 0xC100};
  std::copy(std::begin(hand_in), std::end(hand_in), hand.begin());
  write_safetensors(f.weights, f.entries);

  const CommandResult r =
      run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output, "--dtype", "f16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const LoadedRrt rrt = load_rrt(f.output);
  const fb::Model* m = check_layout(rrt, f.options, fb::DType::F16);
  ASSERT_NE(m, nullptr);
  const fb::Tensor* first = m->tensors()->Get(0);
  for (std::size_t k = 0; k < 6; ++k) EXPECT_EQ(u16_at(rrt.data() + first->offset() + 2 * k), hand_out[k]) << k;

  for (uint32_t i = 0; i < m->tensors()->size(); ++i) {
    const fb::Tensor* t = m->tensors()->Get(i);
    const SafetensorsEntry& e = f.entries[i];
    ASSERT_EQ(t->size(), e.values.size() * 2);
    for (std::size_t k = 0; k < e.values.size(); ++k) {
      const float x = e.values[k];
      const float y = f16_to_f32(u16_at(rrt.data() + t->offset() + 2 * k));
      // Round to nearest: relative error <= 2^-11, absolute <= 2^-25 for subnormals.
      ASSERT_LE(std::fabs(y - x), std::ldexp(std::fabs(x), -11) + std::ldexp(1.0f, -25)) << e.name << "[" << k << "]";
      if (e.dtype != SourceDType::kF32) {
        ASSERT_EQ(y, x) << "multiples of 1/8 are exact in f16";
      }
    }
  }
}

TEST(ConverterRoundTrip, EqualEmbedAndHiddenHasNoInputProjection) {
  SmallModelFiles f(small_options(8, 8, 2, 2));
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const LoadedRrt rrt = load_rrt(f.output);
  ASSERT_NE(check_layout(rrt, f.options, fb::DType::F32), nullptr);
  ASSERT_EQ(rrt.model->tensors()->size(), 26u);  // 12 per layer x 2 + final norm
  EXPECT_EQ(rrt.model->tensors()->Get(0)->name()->str(), "ring_1_attn_norm.gamma");
  EXPECT_EQ(rrt.model->tensors()->Get(25)->name()->str(), "final_norm.beta");
  for (const fb::Tensor* t : *rrt.model->tensors()) EXPECT_EQ(t->name()->str().find("input_projection"), std::string::npos);
}

TEST(ConverterRoundTrip, DifferentEmbedAndHiddenStartsWithInputProjection) {
  SmallModelFiles f(small_options(5, 8, 4, 1));
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const LoadedRrt rrt = load_rrt(f.output);
  ASSERT_NE(check_layout(rrt, f.options, fb::DType::F32), nullptr);
  const fb::Tensor* kernel = rrt.model->tensors()->Get(0);
  EXPECT_EQ(kernel->name()->str(), "input_projection.kernel");
  EXPECT_EQ(std::vector<uint64_t>(kernel->shape()->begin(), kernel->shape()->end()), (std::vector<uint64_t>{5, 8}));
  EXPECT_EQ(kernel->size(), 5u * 8u * 4u);
  EXPECT_EQ(rrt.model->tensors()->Get(1)->name()->str(), "input_projection.bias");
}

TEST(ConverterRoundTrip, MetadataEntryIsIgnored) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  std::string image = read_file(f.weights);
  // Rebuild the header with a __metadata__ entry in front.
  const uint64_t n = static_cast<uint8_t>(image[0]) | (static_cast<uint64_t>(static_cast<uint8_t>(image[1])) << 8);
  std::string header = image.substr(8, n);
  header.insert(1, "\"__metadata__\":{\"format\":\"pt\",\"source\":\"axon\"},");
  write_file(f.weights, raw_safetensors(header, image.substr(8 + n)));
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_rrt(f.output).model->tensors()->size(), 14u);
}

TEST(ConverterRoundTrip, ExistingOutputIsReplaced) {
  SmallModelFiles f(small_options(8, 8, 2, 1));
  write_file(f.output, "old contents");
  const CommandResult r = run_convert({"--config", f.config, "--weights", f.weights, "--output", f.output});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(load_rrt(f.output).model, nullptr);
  EXPECT_TRUE(temp_files_in(f.dir.path()).empty());
}

}  // namespace
}  // namespace ringrt::test
