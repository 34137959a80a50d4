#include "rrt_inspect.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "errors.hpp"
#include "input_file.hpp"
#include "rrt_verify.hpp"

namespace ringrt::convert {

namespace {

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

const char* dtype_label(fb::DType t) { return t == fb::DType::F32 ? "f32" : "f16"; }

}  // namespace

void print_rrt(std::ostream& out, const fb::Model& model, const std::string& path, uint64_t file_size) {
  const ModelOptions o = options_of(model);
  out << "file:         " << path << " (" << file_size << " bytes)\n"
      << "schema:       " << model.schema_major() << "." << model.schema_minor() << "\n"
      << "producer:     " << (model.producer() ? printable(model.producer()->str()) : std::string("(none)")) << "\n"
      << "architecture: " << fb::EnumNameArchitecture(model.architecture()) << " (" << architecture_name(o.architecture)
      << ")\n"
      << "options:\n"
      << "  embed_dim        " << o.embed_dim << "\n"
      << "  hidden_size      " << o.hidden_size << "\n"
      << "  num_heads        " << o.num_heads << " (head_dim " << o.head_dim() << ")\n"
      << "  num_chunks       " << o.num_chunks << "\n"
      << "  num_layers       " << o.num_layers << "\n"
      << "  dropout          " << printf_string("%g", static_cast<double>(o.dropout)) << "\n"
      << "  window_size      " << o.window_size << "\n";
  if (o.architecture != Architecture::kEdificeRingAttention) {
    const Status support = check_runtime_support(o);
    out << "  causal           " << (o.causal ? "true" : "false") << "\n"
        << "  num_kv_heads     " << o.kv_heads() << "\n"
        << "  sliding_window   " << o.sliding_window << (o.sliding_window ? "" : " (none)") << "\n"
        << "  logit_softcap    " << printf_string("%g", static_cast<double>(o.logit_softcap))
        << (o.logit_softcap > 0.0f ? "" : " (none)") << "\n"
        << "  attention_sinks  " << (o.attention_sinks ? "true" : "false") << "\n"
        << "runtime:      " << (support.ok() ? "this build runs it" : support.message()) << "\n";
  }
  out << printf_string("data:         offset %llu, %llu bytes, checksum %016llx (ok)\n",
                       static_cast<unsigned long long>(model.data_offset()),
                       static_cast<unsigned long long>(model.data_size()),
                       static_cast<unsigned long long>(model.data_checksum()));

  std::size_t name_width = 4;
  for (const fb::Tensor* t : *model.tensors()) name_width = std::max<std::size_t>(name_width, t->name()->size());
  const int w = static_cast<int>(name_width);
  out << "tensors:\n" << printf_string("  %4s  %-*s  %-14s  %-5s  %12s  %12s\n", "#", w, "name", "shape", "dtype", "bytes", "offset");
  uint64_t total = 0;
  uint32_t index = 0;
  for (const fb::Tensor* t : *model.tensors()) {
    const std::vector<uint64_t> shape(t->shape()->begin(), t->shape()->end());
    out << printf_string("  %4u  %-*s  %-14s  %-5s  %12llu  %12llu\n", index++, w, t->name()->c_str(),
                         shape_string(shape).c_str(), dtype_label(t->dtype()),
                         static_cast<unsigned long long>(t->size()), static_cast<unsigned long long>(t->offset()));
    total += t->size();
  }
  out << model.tensors()->size() << " tensors, " << total << " bytes of weights, file size " << file_size
      << " bytes\n";
}

void inspect_file(const std::string& path, std::ostream& out) {
  const InputFile file(path);
  const fb::Model* model = nullptr;
  const Status status = verify_rrt(file.data(), file.size(), path.c_str(), &model);
  if (!status.ok()) throw Error(status.message());
  print_rrt(out, *model, path, file.size());
}

}  // namespace ringrt::convert
