#include "config_io.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "errors.hpp"
#include "input_file.hpp"
#include "json_util.hpp"

namespace ringrt::convert {

namespace {

using nlohmann::json;

uint32_t size_option(const json& v, const std::string& key, const std::string& origin) {
  const std::string where = origin + ": option '" + key + "' ";
  if (v.is_number_unsigned()) {
    const uint64_t n = v.get<uint64_t>();
    if (n > 0xffffffffull) throw Error(where + "is " + describe_json(v) + ", too large");
    return static_cast<uint32_t>(n);
  }
  if (v.is_number_integer()) throw Error(where + "must be a positive integer, got " + describe_json(v));
  throw Error(where + "must be an integer, got " + describe_json(v));
}

float dropout_option(const json& v, const std::string& origin) {
  if (!v.is_number()) throw Error(origin + ": option 'dropout' must be a number, got " + describe_json(v));
  const double d = v.get<double>();
  if (!(d >= 0.0 && d < 1.0)) throw Error(origin + ": option 'dropout' must be in [0, 1), got " + describe_json(v));
  return static_cast<float>(d);
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

ModelOptions parse_config(const std::string& text, const std::string& origin) {
  const json root = parse_json_object(text, origin, "config");
  ModelOptions o;
  bool have_embed_dim = false;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    if (key == "embed_dim") {
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
      o.dropout = dropout_option(*it, origin);
    } else {
      throw Error(origin + ": unknown option '" + key +
                  "' (expected embed_dim, hidden_size, num_heads, num_chunks, num_layers, dropout, "
                  "window_size)");
    }
  }
  if (!have_embed_dim) throw Error(origin + ": missing required option 'embed_dim'");
  const Status status = validate_options(o, origin.c_str());
  if (!status.ok()) throw Error(status.message());
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
  return j.dump() + "\n";
}

}  // namespace ringrt::convert
