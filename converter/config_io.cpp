#include "config_io.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "errors.hpp"
#include "input_file.hpp"
#include "json_util.hpp"

namespace ringrt::convert {

namespace {

using nlohmann::json;

// A size: a JSON integer that fits 32 bits (0 is left to validate_options, or
// allowed outright with zero_ok).
uint32_t size_option(const json& v, const std::string& key, const std::string& origin, bool zero_ok = false) {
  const std::string where = origin + ": option '" + key + "' ";
  if (v.is_number_unsigned()) {
    const uint64_t n = v.get<uint64_t>();
    if (n > 0xffffffffull) throw Error(where + "is " + describe_json(v) + ", too large");
    return static_cast<uint32_t>(n);
  }
  if (v.is_number_integer()) {
    throw Error(where + "must be a " + (zero_ok ? "non-negative" : "positive") + " integer, got " + describe_json(v));
  }
  throw Error(where + "must be an integer, got " + describe_json(v));
}

// A number that `accept` takes, as a float; `range` says what is accepted.
float number_option(const json& v, const std::string& key, const std::string& origin, bool (*accept)(double),
                    const char* range) {
  const std::string where = origin + ": option '" + key + "' must be ";
  if (!v.is_number()) throw Error(where + "a number, got " + describe_json(v));
  const double d = v.get<double>();
  if (!accept(d)) throw Error(where + range + ", got " + describe_json(v));
  return static_cast<float>(d);
}

bool bool_option(const json& v, const std::string& key, const std::string& origin) {
  if (!v.is_boolean()) throw Error(origin + ": option '" + key + "' must be true or false, got " + describe_json(v));
  return v.get<bool>();
}

Architecture architecture_option(const json& v, const std::string& origin) {
  Architecture a = Architecture::kEdificeRingAttention;
  if (v.is_string() && architecture_from_name(v.get_ref<const std::string&>(), &a)) return a;
  throw Error(origin + ": option 'architecture' must be \"edifice_ring_attention\" or \"ring_encoder\", got " +
              describe_json(v));
}

constexpr const char* kEdificeKeys =
    "architecture, embed_dim, hidden_size, num_heads, num_chunks, num_layers, dropout, window_size";
constexpr const char* kAttentionKeys[] = {"causal", "num_kv_heads", "sliding_window", "logit_softcap",
                                          "attention_sinks"};

bool is_attention_key(const std::string& key) {
  for (const char* k : kAttentionKeys) {
    if (key == k) return true;
  }
  return false;
}

// Shortest decimal text that reads back as the same float, as a double ("0.1").
double float_as_short_double(float f) {
  char buf[32];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

}  // namespace

bool architecture_from_name(const std::string& name, Architecture* out) {
  for (Architecture a : {Architecture::kEdificeRingAttention, Architecture::kRingEncoder}) {
    if (name == architecture_name(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

ModelOptions parse_config(const std::string& text, const std::string& origin) {
  const json root = parse_json_object(text, origin, "config");
  ModelOptions o;
  const auto arch = root.find("architecture");
  if (arch != root.end()) o.architecture = architecture_option(*arch, origin);
  const bool encoder = o.architecture == Architecture::kRingEncoder;
  bool have_embed_dim = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    if (!encoder && is_attention_key(key)) {
      throw Error(origin + ": option '" + key +
                  "' needs \"architecture\": \"ring_encoder\" (an edifice_ring_attention model has Edifice's "
                  "attention)");
    }
    if (key == "architecture") {
      continue;  // read above
    } else if (key == "embed_dim") {
      o.embed_dim = size_option(*it, key, origin);
      have_embed_dim = true;
    } else if (key == "hidden_size") {
      o.hidden_size = size_option(*it, key, origin);
    } else if (key == "num_heads") {
      o.num_heads = size_option(*it, key, origin);
    } else if (key == "num_chunks") {
      o.num_chunks = size_option(*it, key, origin);
    } else if (key == "num_layers") {
      o.num_layers = size_option(*it, key, origin);
    } else if (key == "window_size") {
      o.window_size = size_option(*it, key, origin);
    } else if (key == "dropout") {
      o.dropout = number_option(*it, key, origin, [](double d) { return d >= 0.0 && d < 1.0; }, "in [0, 1)");
    } else if (key == "causal") {
      o.causal = bool_option(*it, key, origin);
    } else if (key == "num_kv_heads") {
      o.num_kv_heads = size_option(*it, key, origin);
      if (o.num_kv_heads == 0) throw Error(origin + ": option 'num_kv_heads' must be at least 1, got 0");
    } else if (key == "sliding_window") {
      o.sliding_window = size_option(*it, key, origin, /*zero_ok=*/true);
    } else if (key == "logit_softcap") {
      o.logit_softcap = number_option(*it, key, origin, [](double c) { return c >= 0.0 && std::isfinite(static_cast<float>(c)); },
                                      "a finite number >= 0 (0: no cap)");
      // Checked as the double the JSON holds: 1e-46 would be stored as 0 (no cap).
      const double c = it->get<double>();
      if (c > 0.0 && static_cast<float>(c) < FLT_MIN) {
        throw Error(origin + ": option 'logit_softcap' is " + describe_json(*it) + ", " + kSoftcapBelowNormal);
      }
    } else if (key == "attention_sinks") {
      o.attention_sinks = bool_option(*it, key, origin);
    } else {
      std::string expected = kEdificeKeys;
      if (encoder) {
        for (const char* k : kAttentionKeys) expected += std::string(", ") + k;
      }
      throw Error(origin + ": unknown option '" + key + "' (expected " + expected + ")");
    }
  }
  if (!have_embed_dim) throw Error(origin + ": missing required option 'embed_dim'");
  const Status status = validate_options(o, origin.c_str());
  if (!status.ok()) throw Error(status.message());
  o.num_kv_heads = o.kv_heads();  // resolved: the model file records the number
  return o;
}

ModelOptions read_config(const std::string& path) {
  const InputFile file(path);
  const std::string text(reinterpret_cast<const char*>(file.data()), file.size());
  return parse_config(text, path);
}

std::string config_to_json(const ModelOptions& o) {
  json j = json::object();
  j["embed_dim"] = o.embed_dim;
  j["hidden_size"] = o.hidden_size;
  j["num_heads"] = o.num_heads;
  j["num_chunks"] = o.num_chunks;
  j["num_layers"] = o.num_layers;
  j["dropout"] = float_as_short_double(o.dropout);
  j["window_size"] = o.window_size;
  if (o.architecture != Architecture::kEdificeRingAttention) {  // Edifice configs keep the model contract's keys
    j["architecture"] = architecture_name(o.architecture);
    j["causal"] = o.causal;
    j["num_kv_heads"] = o.kv_heads();
    j["sliding_window"] = o.sliding_window;
    j["logit_softcap"] = float_as_short_double(o.logit_softcap);
    j["attention_sinks"] = o.attention_sinks;
  }
  return j.dump() + "\n";
}

}  // namespace ringrt::convert
