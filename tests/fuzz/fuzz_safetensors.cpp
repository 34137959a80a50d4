// Fuzz target: the safetensors reader (parse_safetensors on an in-memory image),
// then the contract match for a fixed tiny model, as ringrt-convert does.
// A rejection must be a convert::Error naming the file; anything else that escapes
// (a JSON library exception, std::length_error, ...) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "errors.hpp"
#include "fuzz_util.hpp"
#include "safetensors_reader.hpp"
#include "weights_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ringrt;
  std::vector<convert::SafetensorsTensor> tensors;
  try {
    tensors = convert::parse_safetensors(data, size, "fuzz.safetensors");
  } catch (const convert::Error& e) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(e.what(), "fuzz.safetensors: "), "message: %s", e.what());
    return 0;
  }
  for (const convert::SafetensorsTensor& t : tensors) {
    RINGRT_FUZZ_CHECK(t.data >= data + 8 && t.data + t.byte_size <= data + size, "tensor %s outside the image",
                      t.name.c_str());
    RINGRT_FUZZ_CHECK(t.byte_size * 8 == t.element_count * t.declared->bits, "tensor %s size", t.name.c_str());
    RINGRT_FUZZ_CHECK(!t.convertible() || t.byte_size == t.element_count * convert::dtype_size(t.dtype),
                      "tensor %s size as %s", t.name.c_str(), t.declared->name);
    if (t.byte_size) {  // touch the first and last byte (ASan checks the bounds)
      volatile uint8_t sink = t.data[0];
      sink = t.data[t.byte_size - 1];
      (void)sink;
    }
  }
  ModelOptions options;  // the tiny model of the seed corpus
  options.embed_dim = 8;
  options.hidden_size = 8;
  options.num_heads = 2;
  options.num_layers = 1;
  try {
    (void)convert::match_weights(options, tensors, "fuzz.safetensors", /*allow_extra=*/false);
  } catch (const convert::Error& e) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(e.what(), "fuzz.safetensors: "), "message: %s", e.what());
  }
  return 0;
}
