// Writes the seed corpus of every fuzz target: valid files from tiny models, made
// by the same code the tools use (the converter library, the .npy writer, a real
// FileKvStore).  Usage: ringrt_fuzz_seeds OUT_DIR  (creates OUT_DIR/<target>/).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "config_io.hpp"
#include "converter.hpp"
#include "fuzz_util.hpp"
#include "kv_store_file.hpp"
#include "model_files.hpp"
#include "npy.hpp"
#include "safetensors_writer.hpp"
#include "synthetic_model.hpp"

namespace {

using namespace ringrt;

void mkdir_p(const std::string& dir) {
  std::string at;
  std::stringstream parts(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') at = "/";
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    at += part + "/";
    ::mkdir(at.c_str(), 0755);
  }
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string get(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// config.json + params.safetensors + model.rrt of a synthetic model.
void model_seeds(const std::string& out, const std::string& name, const ModelOptions& o, convert::SourceDType src,
                 convert::StorageDType dst) {
  const convert::SyntheticModel m = convert::make_synthetic_model(o, 7);
  const std::string tmp = out + "/tmp";
  mkdir_p(tmp);
  put(tmp + "/config.json", convert::config_to_json(o));
  convert::write_safetensors(tmp + "/params.safetensors", convert::synthetic_entries(m, src));
  convert::ConvertRequest request;
  request.config_path = tmp + "/config.json";
  request.weights_path = tmp + "/params.safetensors";
  request.output_path = tmp + "/model.rrt";
  request.dtype = dst;
  std::ostringstream notes;
  convert::convert_model(request, notes);
  put(out + "/config/" + name + ".json", get(request.config_path));
  put(out + "/safetensors/" + name + ".safetensors", get(request.weights_path));
  put(out + "/rrt/" + name + ".rrt", get(request.output_path));
}

std::string npy_image(const std::string& descr, const std::string& shape, const std::string& data, int major = 1) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  while ((8 + len_bytes + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (std::size_t i = 0; i < len_bytes; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

void npy_seeds(const std::string& out) {
  const std::string dir = out + "/npy";
  std::vector<float> v(2 * 3 * 8);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.25f * static_cast<float>(i) - 3.0f;
  const std::size_t s2[] = {6, 8}, s3[] = {2, 3, 8}, s1[] = {5};
  if (!npy::write_f32((dir + "/f32_2d.npy").c_str(), s2, 2, v.data()).ok() ||
      !npy::write_f32((dir + "/f32_3d.npy").c_str(), s3, 3, v.data()).ok() ||
      !npy::write_f32((dir + "/f32_1d.npy").c_str(), s1, 1, v.data()).ok() ||
      !npy::write_f32((dir + "/f32_0d.npy").c_str(), nullptr, 0, v.data()).ok()) {
    throw std::runtime_error("npy::write_f32 failed");
  }
  const std::string f64(reinterpret_cast<const char*>(std::vector<double>(12, 1.5).data()), 12 * 8);
  const std::string f16(24, '\x3c');
  put(dir + "/f64.npy", npy_image("<f8", "(3, 4)", f64));
  put(dir + "/f16_v2.npy", npy_image("<f2", "(4, 3)", f16, 2));
  put(dir + "/f32_v3_empty.npy", npy_image("<f4", "(0, 8)", "", 3));
}

void kv_seeds(const std::string& out) {
  KvGeometry g{};
  g.layers = fuzz::kKvLayers;
  g.heads = fuzz::kKvHeads;
  g.head_dim = fuzz::kKvHeadDim;
  g.capacity = fuzz::kKvCapacity;
  g.chunk = fuzz::kKvChunk;
  const std::size_t H = static_cast<std::size_t>(g.heads) * g.head_dim;
  g.dtype = KvDtype::kInt8;  // the larger staging of the two
  std::vector<float> staging(FileKvStore::staging_floats(g));
  // f32 stores (format 2) and int8 stores (format 3).
  for (uint64_t seed = 0; seed < 6; ++seed) {
    const uint64_t length = seed % 3 == 0 ? 0 : seed % 3 == 1 ? 3 : 300;
    g.dtype = seed < 3 ? KvDtype::kF32 : KvDtype::kInt8;
    const std::string path = out + "/kv_header/committed_" + std::to_string(length) + (seed < 3 ? "" : "_int8") + ".kv";
    ::unlink(path.c_str());
    FileKvStore store(g, staging.data());
    uint64_t committed = 0;
    Status s = store.open(path.c_str(), {fuzz::kKvFingerprint, fuzz::kKvStreamTag}, false, &committed);
    std::vector<float> qkv(length * 3 * H);
    for (std::size_t i = 0; i < qkv.size(); ++i) qkv[i] = static_cast<float>(i % 97) * 0.125f;
    for (uint32_t layer = 0; s.ok() && length && layer < g.layers; ++layer) s = store.write(layer, 0, length, qkv.data(), 3 * H);
    if (s.ok()) s = store.commit(length);
    if (!s.ok()) throw std::runtime_error(s.message());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  try {
    for (const char* t : {"rrt", "safetensors", "config", "npy", "kv_header"}) mkdir_p(out + "/" + t);
    using convert::SourceDType;
    using convert::StorageDType;
    model_seeds(out, "tiny", test::small_options(8, 8, 2, 1), SourceDType::kF32, StorageDType::kF32);
    model_seeds(out, "tiny_proj_f16", test::small_options(6, 8, 2, 1), SourceDType::kF16, StorageDType::kF16);
    model_seeds(out, "tiny_bf16_2layers", test::small_options(8, 8, 4, 2), SourceDType::kBF16, StorageDType::kF32);
    model_seeds(out, "tiny_ring_encoder_all_options",
                test::ring_encoder_options(6, 8, 4, 2, false, 2, 5, 30.0f, true), SourceDType::kF32,
                StorageDType::kF32);
    npy_seeds(out);
    kv_seeds(out);
    std::system(("rm -rf '" + out + "/tmp'").c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringrt_fuzz_seeds: %s\n", e.what());
    return 1;
  }
  std::printf("ringrt_fuzz_seeds: wrote the seed corpus to %s\n", out.c_str());
  return 0;
}
