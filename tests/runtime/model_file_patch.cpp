#include "model_file_patch.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "checksum.hpp"
#include "ringrt_generated.h"

namespace ringrt::test {

namespace {

// Replaces the only occurrence of `from` (n bytes) in bytes [begin, end) of `s`.
void replace_once(std::string* s, std::size_t begin, std::size_t end, const void* from, const void* to, std::size_t n) {
  std::size_t found = std::string::npos, count = 0;
  for (std::size_t i = begin; i + n <= end; ++i) {
    if (std::memcmp(s->data() + i, from, n) == 0) {
      found = i;
      ++count;
    }
  }
  ASSERT_EQ(count, 1u) << "the value to replace must occur once in the header";
  std::memcpy(&(*s)[found], to, n);
}

}  // namespace

std::string with_weight_bits(const std::string& rrt, std::size_t tensor, uint64_t element, uint32_t bits) {
  std::string out = rrt;
  const fb::Model* m = fb::GetSizePrefixedModel(rrt.data());
  const fb::Tensor* t = m->tensors()->Get(static_cast<flatbuffers::uoffset_t>(tensor));
  const std::size_t size = t->dtype() == fb::DType::F16 ? 2 : 4;
  EXPECT_LT(element * size, t->size());
  std::memcpy(&out[t->offset() + element * size], &bits, size);
  const uint64_t before = m->data_checksum();
  const uint64_t after = fnv1a64(out.data() + m->data_offset(), out.size() - m->data_offset());
  replace_once(&out, 4, m->data_offset(), &before, &after, sizeof before);
  return out;
}

std::string with_header_u32(const std::string& rrt, uint32_t from, uint32_t to) {
  std::string out = rrt;
  replace_once(&out, 4, fb::GetSizePrefixedModel(rrt.data())->data_offset(), &from, &to, sizeof from);
  return out;
}

}  // namespace ringrt::test
