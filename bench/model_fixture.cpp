#include "model_fixture.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "atomic_file.hpp"
#include "config_io.hpp"
#include "converter.hpp"
#include "safetensors_writer.hpp"
#include "synthetic_model.hpp"

namespace bench {

std::string make_temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/ringrt-bench-XXXXXX";
  if (!::mkdtemp(&templ[0])) {
    throw std::runtime_error("cannot create a temporary directory " + templ + ": " + std::strerror(errno));
  }
  return templ;
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

uint64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string write_edifice_model(const std::string& dir) {
  namespace cv = ringrt::convert;
  ringrt::ModelOptions options;  // Edifice defaults: hidden 256, 4 heads, 4 layers
  options.embed_dim = 288;
  const std::string config = dir + "/config.json", weights = dir + "/params.safetensors",
                    model = dir + "/model.rrt";
  const std::string json = cv::config_to_json(options);
  cv::write_file_atomically(config, json.data(), json.size());
  cv::write_safetensors(weights, cv::synthetic_entries(cv::make_synthetic_model(options, 42), cv::SourceDType::kF32));
  cv::ConvertRequest request;
  request.config_path = config;
  request.weights_path = weights;
  request.output_path = model;
  request.dtype = cv::StorageDType::kF32;
  std::ostringstream notes;
  cv::convert_model(request, notes);
  std::remove(weights.c_str());
  return model;
}

}  // namespace bench
