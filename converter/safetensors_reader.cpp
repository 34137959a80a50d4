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

const SafetensorsDType* parse_dtype(const json& v, const std::string& where) {
  if (!v.is_string()) throw Error(where + ": dtype must be a string, got " + describe_json(v));
  const std::string& s = v.get_ref<const std::string&>();
  const SafetensorsDType* d = find_safetensors_dtype(s);
  if (!d) throw Error(where + ": unknown dtype '" + s + "' (a safetensors dtype is one of " + safetensors_dtype_names() + ")");
  return d;
}

SafetensorsTensor parse_entry(const std::string& name, const json& entry, const std::string& origin,
                              Range* range) {
  const std::string where = origin + ": tensor '" + name + "'";
  if (!entry.is_object()) throw Error(where + ": entry is not a JSON object");
  SafetensorsTensor t;
  t.name = name;
  t.declared = parse_dtype(field(entry, "dtype", where), where);
  t.dtype = t.declared->source;

  const json& shape = field(entry, "shape", where);
  if (!shape.is_array()) throw Error(where + ": shape must be an array, got " + describe_json(shape));
  uint64_t count = 1;
  bool overflow = false;
  for (const json& d : shape) {
    t.shape.push_back(non_negative(d, where, "shape entries"));
    overflow |= __builtin_mul_overflow(count, t.shape.back(), &count);
  }
  uint64_t bits = 0;
  overflow |= __builtin_mul_overflow(count, static_cast<uint64_t>(t.declared->bits), &bits);
  if (overflow) throw Error(where + ": shape " + shape_string(t.shape) + " is too large");
  if (bits % 8 != 0) {
    throw Error(where + ": shape " + shape_string(t.shape) + " has " + std::to_string(count) + " elements of " +
                t.declared->name + " (" + std::to_string(t.declared->bits) + " bits each), not a whole number of bytes");
  }
  const uint64_t bytes = bits / 8;

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
                " elements (" + std::to_string(bytes) + " bytes as " + t.declared->name +
                ") but data_offsets " + offsets.dump() + " span " +
                std::to_string(range->end - range->begin) + " bytes");
  }
  t.element_count = count;
  t.byte_size = bytes;
  return t;
}

std::string span(const Range& r) { return "[" + std::to_string(r.begin) + ", " + std::to_string(r.end) + ")"; }

// Bytes [begin, end) of the data section that no tensor holds: an error naming them
// (and their file offsets) and the tensors around them.
[[noreturn]] void gap_error(uint64_t begin, uint64_t end, const std::string& where, uint64_t data_start,
                            const std::string& origin) {
  throw Error(origin + ": bytes [" + std::to_string(begin) + ", " + std::to_string(end) +
              ") of the data section (file offsets [" + std::to_string(data_start + begin) + ", " +
              std::to_string(data_start + end) + ")) belong to no tensor: " + where +
              " (the safetensors format allows no gaps and no trailing bytes)");
}

// The non-empty tensors must cover the data section exactly once: sorted by offset,
// each begins where the one before ends, the first at 0 and the last at the end.
// Empty tensors may sit anywhere inside it.
void check_tiling(std::vector<Range>& ranges, const std::vector<SafetensorsTensor>& tensors, uint64_t data_size,
                  uint64_t data_start, const std::string& origin) {
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Range* furthest = nullptr;  // the non-empty range reaching furthest so far
  for (const Range& b : ranges) {
    if (b.end == b.begin) continue;
    const std::string b_name = "'" + tensors[b.tensor].name + "' " + span(b);
    if (!furthest && b.begin > 0) gap_error(0, b.begin, "they come before the first tensor, " + b_name, data_start, origin);
    if (furthest && b.begin < furthest->end) {
      const Range& a = *furthest;
      throw Error(origin + ": tensors '" + tensors[a.tensor].name + "' " + span(a) + " and " + b_name +
                  " overlap in the data section");
    }
    if (furthest && b.begin > furthest->end) {
      gap_error(furthest->end, b.begin,
                "a gap between '" + tensors[furthest->tensor].name + "' " + span(*furthest) + " and " + b_name,
                data_start, origin);
    }
    furthest = &b;
  }
  const uint64_t covered = furthest ? furthest->end : 0;
  if (covered < data_size) {
    gap_error(covered, data_size,
              furthest ? "they follow the last tensor, '" + tensors[furthest->tensor].name + "' " + span(*furthest)
                       : std::string("the header names no tensor that holds data"),
              data_start, origin);
  }
}

}  // namespace

std::vector<SafetensorsTensor> parse_safetensors(const uint8_t* bytes, std::size_t size,
                                                 const std::string& origin) {
  // The first bytes must be able to start a safetensors file before any number read
  // from them is worth quoting.
  if (size < 8) {
    throw Error(origin + ": not a safetensors file: file is " + std::to_string(size) +
                " bytes, shorter than the 8-byte safetensors header length");
  }
  const uint64_t header_len = load_u64_le(bytes);
  const bool brace = size > 8 && bytes[8] == '{';
  if (header_len > size - 8) {
    throw Error(origin + (brace ? ": truncated or not a safetensors file" : ": not a safetensors file") +
                ": header length " + std::to_string(header_len) + " (its first 8 bytes) is larger than the file (" +
                std::to_string(size) + " bytes)");
  }
  if (header_len > kMaxSafetensorsHeader) {
    throw Error(origin + ": header length " + std::to_string(header_len) + " exceeds the limit of " +
                std::to_string(kMaxSafetensorsHeader) + " bytes");
  }
  if (header_len == 0 || !brace) {
    throw Error(origin + ": not a safetensors file: its " + std::to_string(header_len) +
                "-byte header (after the 8-byte length) does not start with '{'");
  }
  const std::string text(reinterpret_cast<const char*>(bytes + 8), static_cast<std::size_t>(header_len));
  const uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  // Entry by entry, as the parser completes them: the header is never held whole
  // as a JSON value (a million entries would take a gigabyte).
  std::vector<SafetensorsTensor> tensors;
  parse_json_object_entries(text, origin, "safetensors header", 8, "__metadata__", [&](const std::string& name, json&& entry) {
    Range r{};
    tensors.push_back(parse_entry(name, entry, origin, &r));
    if (r.end > data_size) {
      throw Error(origin + ": tensor '" + name + "': data_offsets [" + std::to_string(r.begin) + ", " +
                  std::to_string(r.end) + "] extend past the end of the data section (" +
                  std::to_string(data_size) + " bytes)");
    }
    tensors.back().data = data + r.begin;
  });
  std::sort(tensors.begin(), tensors.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) { return a.name < b.name; });
  std::vector<Range> ranges;
  ranges.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const uint64_t begin = static_cast<uint64_t>(tensors[i].data - data);
    ranges.push_back({begin, begin + tensors[i].byte_size, i});
  }
  check_tiling(ranges, tensors, data_size, 8 + header_len, origin);
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
