#include "safetensors_reader.hpp"

#include <algorithm>

#include "errors.hpp"
#include "json_util.hpp"

namespace ringrt::convert {

namespace {

using nlohmann::json;

struct Range {
  uint64_t begin, end;
  std::size_t tensor;
};

const json& field(const json& entry, const char* key, const std::string& where) {
  auto it = entry.find(key);
  if (it == entry.end()) throw Error(where + ": missing field '" + key + "'");
  return *it;
}

uint64_t non_negative(const json& v, const std::string& where, const char* what) {
  if (!v.is_number_unsigned()) {
    throw Error(where + ": " + what + " must be non-negative integers, got " + describe_json(v));
  }
  return v.get<uint64_t>();
}

SourceDType parse_dtype(const json& v, const std::string& where) {
  if (!v.is_string()) throw Error(where + ": dtype must be a string, got " + describe_json(v));
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "F32") return SourceDType::kF32;
  if (s == "F16") return SourceDType::kF16;
  if (s == "BF16") return SourceDType::kBF16;
  throw Error(where + ": unsupported dtype '" + s + "' (expected F32, F16 or BF16)");
}

SafetensorsTensor parse_entry(const std::string& name, const json& entry, const std::string& origin,
                              Range* range) {
  const std::string where = origin + ": tensor '" + name + "'";
  if (!entry.is_object()) throw Error(where + ": entry is not a JSON object");
  SafetensorsTensor t;
  t.name = name;
  t.dtype = parse_dtype(field(entry, "dtype", where), where);

  const json& shape = field(entry, "shape", where);
  if (!shape.is_array()) throw Error(where + ": shape must be an array, got " + describe_json(shape));
  uint64_t count = 1;
  bool overflow = false;
  for (const json& d : shape) {
    t.shape.push_back(non_negative(d, where, "shape entries"));
    overflow |= __builtin_mul_overflow(count, t.shape.back(), &count);
  }
  uint64_t bytes = 0;
  overflow |= __builtin_mul_overflow(count, static_cast<uint64_t>(dtype_size(t.dtype)), &bytes);
  if (overflow) throw Error(where + ": shape " + shape_string(t.shape) + " is too large");

  const json& offsets = field(entry, "data_offsets", where);
  if (!offsets.is_array() || offsets.size() != 2) {
    throw Error(where + ": data_offsets must be [begin, end], got " + describe_json(offsets));
  }
  range->begin = non_negative(offsets[0], where, "data_offsets");
  range->end = non_negative(offsets[1], where, "data_offsets");
  if (range->end < range->begin) {
    throw Error(where + ": data_offsets " + offsets.dump() + " end before they begin");
  }
  if (range->end - range->begin != bytes) {
    throw Error(where + ": shape " + shape_string(t.shape) + " has " + std::to_string(count) +
                " elements (" + std::to_string(bytes) + " bytes as " + dtype_name(t.dtype) +
                ") but data_offsets " + offsets.dump() + " span " +
                std::to_string(range->end - range->begin) + " bytes");
  }
  t.element_count = count;
  t.byte_size = bytes;
  return t;
}

}  // namespace

std::vector<SafetensorsTensor> parse_safetensors(const uint8_t* bytes, std::size_t size,
                                                 const std::string& origin) {
  if (size < 8) {
    throw Error(origin + ": file is " + std::to_string(size) +
                " bytes, shorter than the 8-byte safetensors header length");
  }
  const uint64_t header_len = load_u64_le(bytes);
  if (header_len > size - 8) {
    throw Error(origin + ": header length " + std::to_string(header_len) + " is larger than the file (" +
                std::to_string(size) + " bytes)");
  }
  if (header_len > kMaxSafetensorsHeader) {
    throw Error(origin + ": header length " + std::to_string(header_len) + " exceeds the limit of " +
                std::to_string(kMaxSafetensorsHeader) + " bytes");
  }
  const std::string text(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(header_len));
  const json header = parse_json_object(text, origin, "safetensors header");

  const uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  std::vector<SafetensorsTensor> tensors;
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    Range r{};
    tensors.push_back(parse_entry(it.key(), it.value(), origin, &r));
    if (r.end > data_size) {
      throw Error(origin + ": tensor '" + it.key() + "': data_offsets [" + std::to_string(r.begin) + ", " +
                  std::to_string(r.end) + "] extend past the end of the data section (" +
                  std::to_string(data_size) + " bytes)");
    }
    tensors.back().data = data + r.begin;
    r.tensor = tensors.size() - 1;
    ranges.push_back(r);
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Range* furthest = nullptr;  // the non-empty range reaching furthest so far
  for (const Range& b : ranges) {
    if (b.end == b.begin) continue;
    if (furthest && b.begin < furthest->end) {
      const Range& a = *furthest;
      throw Error(origin + ": tensors '" + tensors[a.tensor].name + "' [" + std::to_string(a.begin) + ", " +
                  std::to_string(a.end) + ") and '" + tensors[b.tensor].name + "' [" +
                  std::to_string(b.begin) + ", " + std::to_string(b.end) + ") overlap in the data section");
    }
    if (!furthest || b.end > furthest->end) furthest = &b;
  }
  return tensors;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : file_(std::make_unique<InputFile>(path)),
      tensors_(parse_safetensors(file_->data(), file_->size(), path)) {
  for (std::size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace ringrt::convert
