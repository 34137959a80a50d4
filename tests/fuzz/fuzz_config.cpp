// Fuzz target: the JSON model options reader (parse_config). A rejection must be a
// convert::Error naming the file; an accepted config must survive config_to_json
// and parse back to the same options.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config_io.hpp"
#include "errors.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ringrt;
  const std::string text(reinterpret_cast<const char*>(data), size);
  ModelOptions o;
  try {
    o = convert::parse_config(text, "fuzz.json");
  } catch (const convert::Error& e) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(e.what(), "fuzz.json: "), "message: %s", e.what());
    return 0;
  }
  RINGRT_FUZZ_CHECK(validate_options(o, "fuzz.json").ok(), "accepted options fail validate_options");
  const std::string again = convert::config_to_json(o);
  ModelOptions back;
  try {
    back = convert::parse_config(again, "roundtrip.json");
  } catch (const convert::Error& e) {
    RINGRT_FUZZ_CHECK(false, "config_to_json output does not parse: %s\n%s", e.what(), again.c_str());
  }
  RINGRT_FUZZ_CHECK(back.embed_dim == o.embed_dim && back.hidden_size == o.hidden_size &&
                        back.num_heads == o.num_heads && back.num_chunks == o.num_chunks &&
                        back.num_layers == o.num_layers && back.window_size == o.window_size &&
                        back.dropout == o.dropout && back.architecture == o.architecture &&
                        back.causal == o.causal && back.num_kv_heads == o.num_kv_heads &&
                        back.sliding_window == o.sliding_window && back.logit_softcap == o.logit_softcap &&
                        back.attention_sinks == o.attention_sinks,
                    "round trip changed the options: %s", again.c_str());
  return 0;
}
