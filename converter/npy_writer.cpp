#include "npy_writer.hpp"

#include "atomic_file.hpp"
#include "dtypes.hpp"
#include "errors.hpp"

namespace ringrt::convert {

std::string encode_npy_f32(const std::vector<uint64_t>& shape, const std::vector<float>& data) {
  uint64_t count = 1;
  std::string tuple = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    count *= shape[i];
    tuple += (i ? ", " : "") + std::to_string(shape[i]);
  }
  tuple += shape.size() == 1 ? ",)" : ")";
  if (count != data.size()) {
    throw Error("npy array of shape " + shape_string(shape) + " needs " + std::to_string(count) + " values, got " +
                std::to_string(data.size()));
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
  const std::size_t prefix = 10;  // magic (6) + version (2) + header length (2)
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';

  std::string out(prefix + header.size() + 4 * data.size(), '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(&out[0]);
  const char magic[] = "\x93NUMPY\x01\x00";
  std::copy(magic, magic + 8, out.begin());
  store_u16_le(p + 8, static_cast<uint16_t>(header.size()));
  header.copy(&out[prefix], header.size());
  p += prefix + header.size();
  for (float v : data) {
    store_u32_le(p, f32_bits(v));
    p += 4;
  }
  return out;
}

void write_npy_f32(const std::string& path, const std::vector<uint64_t>& shape, const std::vector<float>& data) {
  const std::string image = encode_npy_f32(shape, data);
  write_file_atomically(path, image.data(), image.size());
}

}  // namespace ringrt::convert
