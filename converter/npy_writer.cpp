#include "npy_writer.hpp"

#include "errors.hpp"
#include "npy.hpp"

namespace ringrt::convert {

void write_npy_f32(const std::string& path, const std::vector<uint64_t>& shape, const std::vector<float>& data) {
  std::vector<std::size_t> dims(shape.begin(), shape.end());
  uint64_t count = 1;
  for (uint64_t d : shape) count *= d;
  if (count != data.size()) {
    throw Error(path + ": " + std::to_string(data.size()) + " values do not fill the shape (" +
                std::to_string(count) + " elements)");
  }
  const Status s = npy::write_f32(path.c_str(), dims.data(), dims.size(), data.data());
  if (!s.ok()) throw Error(s.message());
}

}  // namespace ringrt::convert
