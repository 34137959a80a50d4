#include "model_files.hpp"

#include "atomic_file.hpp"
#include "config_io.hpp"
#include "dtypes.hpp"

namespace ringrt::test {

std::string raw_safetensors(const std::string& header_json, const std::string& data) {
  std::string out(8, '\0');
  convert::store_u64_le(reinterpret_cast<uint8_t*>(&out[0]), header_json.size());
  return out + header_json + data;
}

void write_config(const std::string& path, const ModelOptions& options) {
  const std::string text = convert::config_to_json(options);
  convert::write_file_atomically(path, text.data(), text.size());
}

ModelOptions small_options(uint32_t embed, uint32_t hidden, uint32_t heads, uint32_t layers) {
  ModelOptions o;
  o.embed_dim = embed;
  o.hidden_size = hidden;
  o.num_heads = heads;
  o.num_layers = layers;
  return o;
}

ModelOptions ring_encoder_options(uint32_t embed, uint32_t hidden, uint32_t heads, uint32_t layers, bool causal,
                                  uint32_t kv_heads, uint32_t sliding_window, float logit_softcap,
                                  bool attention_sinks) {
  ModelOptions o = small_options(embed, hidden, heads, layers);
  o.architecture = Architecture::kRingEncoder;
  o.causal = causal;
  o.num_kv_heads = kv_heads ? kv_heads : heads;
  o.sliding_window = sliding_window;
  o.logit_softcap = logit_softcap;
  o.attention_sinks = attention_sinks;
  return o;
}

ModelOptions edifice_default_options() {
  ModelOptions o;
  o.embed_dim = 288;
  return o;
}

SyntheticModel synthetic_model(const ModelOptions& options, uint64_t seed) {
  return convert::make_synthetic_model(options, seed);
}

std::vector<float> synthetic_input(uint64_t tokens, uint32_t embed_dim, uint64_t seed) {
  return convert::make_synthetic_input(tokens, embed_dim, seed);
}

void write_synthetic_model(const SyntheticModel& model, const std::string& config_path,
                           const std::string& weights_path, SourceDType dtype) {
  write_config(config_path, model.options);
  write_safetensors(weights_path, convert::synthetic_entries(model, dtype));
}

}  // namespace ringrt::test
