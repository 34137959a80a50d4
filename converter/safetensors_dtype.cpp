#include "safetensors_dtype.hpp"

namespace ringrt::convert {

namespace {

constexpr SafetensorsDType kDTypes[] = {
    {"BOOL", 8, false, SourceDType::kF32},     {"F4", 4, false, SourceDType::kF32},
    {"F6_E2M3", 6, false, SourceDType::kF32},  {"F6_E3M2", 6, false, SourceDType::kF32},
    {"U8", 8, false, SourceDType::kF32},       {"I8", 8, false, SourceDType::kF32},
    {"F8_E5M2", 8, false, SourceDType::kF32},  {"F8_E4M3", 8, false, SourceDType::kF32},
    {"F8_E8M0", 8, false, SourceDType::kF32},  {"I16", 16, false, SourceDType::kF32},
    {"U16", 16, false, SourceDType::kF32},     {"F16", 16, true, SourceDType::kF16},
    {"BF16", 16, true, SourceDType::kBF16},    {"I32", 32, false, SourceDType::kF32},
    {"U32", 32, false, SourceDType::kF32},     {"F32", 32, true, SourceDType::kF32},
    {"C64", 64, false, SourceDType::kF32},     {"F64", 64, false, SourceDType::kF32},
    {"I64", 64, false, SourceDType::kF32},     {"U64", 64, false, SourceDType::kF32},
};

}  // namespace

const SafetensorsDType* find_safetensors_dtype(const std::string& name) {
  for (const SafetensorsDType& d : kDTypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const char* safetensors_dtype_names() {
  return "BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, "
         "F64, I64, U64";
}

}  // namespace ringrt::convert
