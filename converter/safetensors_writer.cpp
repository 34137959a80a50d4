#include "safetensors_writer.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "atomic_file.hpp"
#include "errors.hpp"

namespace ringrt::convert {

std::string encode_safetensors(const std::vector<SafetensorsEntry>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const SafetensorsEntry& t : tensors) {
    uint64_t count = 1;
    for (uint64_t d : t.shape) count *= d;
    if (count != t.values.size()) {
      throw Error("safetensors tensor '" + t.name + "': shape " + shape_string(t.shape) + " needs " +
                  std::to_string(count) + " values, got " + std::to_string(t.values.size()));
    }
    if (!names.insert(t.name).second) throw Error("safetensors tensor '" + t.name + "' given twice");
    const uint64_t bytes = count * dtype_size(t.dtype);
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out(8 + text.size() + offset, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(&out[0]);
  store_u64_le(p, text.size());
  text.copy(&out[8], text.size());
  p += 8 + text.size();
  for (const SafetensorsEntry& t : tensors) {
    const std::size_t step = dtype_size(t.dtype);
    for (float v : t.values) {
      store_source(t.dtype, v, p);
      p += step;
    }
  }
  return out;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors) {
  const std::string image = encode_safetensors(tensors);
  write_file_atomically(path, image.data(), image.size());
}

}  // namespace ringrt::convert
