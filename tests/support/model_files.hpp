// Model input files for tests: safetensors (well-formed or hand-made), JSON
// configs, deterministic synthetic weights, .npy arrays. Thin wrappers over the
// converter library so every suite writes these files the same single way.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model_contract.hpp"
#include "npy_writer.hpp"
#include "safetensors_writer.hpp"
#include "synthetic_model.hpp"

namespace ringrt::test {

using convert::SafetensorsEntry;  // {name, dtype, shape, values}
using convert::SourceDType;       // kF32, kF16, kBF16
using convert::SyntheticModel;    // {options, tensors: name -> values}

// write_safetensors(path, entries): a safetensors file, values rounded to each
// entry's dtype. encode_safetensors(entries): the same image in memory.
using convert::encode_safetensors;
using convert::write_safetensors;

// A safetensors image built by hand: 8-byte little-endian length of
// `header_json`, the header verbatim, then `data`. For malformed-input tests.
std::string raw_safetensors(const std::string& header_json, const std::string& data);

// Writes `options` as a JSON config: the model contract's seven keys, and for ring_encoder
// also "architecture" and the five attention options.
void write_config(const std::string& path, const ModelOptions& options);

// The Edifice defaults: embed 288, hidden 256, 4 heads, 4 layers, 4 chunks, window 60.
ModelOptions edifice_default_options();
// Options with the given sizes and the other options at their defaults.
ModelOptions small_options(uint32_t embed, uint32_t hidden, uint32_t heads, uint32_t layers);
// The same sizes as a ring_encoder model with the given attention options (the
// defaults are Edifice's attention; kv_heads 0 means num_heads, stored resolved).
ModelOptions ring_encoder_options(uint32_t embed, uint32_t hidden, uint32_t heads, uint32_t layers,
                                  bool causal = true, uint32_t kv_heads = 0, uint32_t sliding_window = 0,
                                  float logit_softcap = 0.0f, bool attention_sinks = false);

// Deterministic weights, the same as `ringrt-synth --seed seed` writes (before
// rounding to a narrower --dtype). See converter/synthetic_model.hpp.
SyntheticModel synthetic_model(const ModelOptions& options, uint64_t seed);
// N(0, 1) input [tokens, embed_dim], the same as `ringrt-synth --tokens`.
std::vector<float> synthetic_input(uint64_t tokens, uint32_t embed_dim, uint64_t seed);

// Writes config.json-style and safetensors files for a synthetic model.
void write_synthetic_model(const SyntheticModel& model, const std::string& config_path,
                           const std::string& weights_path, SourceDType dtype = SourceDType::kF32);

// write_npy_f32(path, shape, data): float32 C-order .npy (version 1.0).
using convert::write_npy_f32;

}  // namespace ringrt::test
