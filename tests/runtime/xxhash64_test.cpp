// XXH64 (runtime/numeric/xxhash64.hpp) against the reference implementation: the
// values are `xxhsum -H1` (xxHash 0.8.1) of the same bytes. The lengths cover the
// short path, whole 32-byte stripes, and every tail (8-, 4- and 1-byte steps).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "xxhash64.hpp"

namespace ringrt {
namespace {

std::vector<unsigned char> pattern(std::size_t n) {
  std::vector<unsigned char> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(i * 7 % 251);
  return b;
}

TEST(Xxhash64, MatchesTheReferenceImplementation) {
  EXPECT_EQ(xxh64("", 0), 0xef46db3751d8e999ull);
  EXPECT_EQ(xxh64("abc", 3), 0x44bc2cf5ad770999ull);
  const struct {
    std::size_t size;
    uint64_t hash;
  } cases[] = {{3, 0x9ff70a635a6209abull}, {32, 0x91b0cb0931a8c629ull}, {100, 0xb7fe1d84b2f23a05ull},
               {1000, 0x023fd2ed1ff957d5ull}};
  for (const auto& c : cases) EXPECT_EQ(xxh64(pattern(c.size).data(), c.size), c.hash) << c.size << " bytes";
}

TEST(Xxhash64, TheSeedAndEveryByteChangeTheHash) {
  std::vector<unsigned char> b = pattern(256);
  const uint64_t h = xxh64(b.data(), b.size(), 7);
  EXPECT_NE(h, xxh64(b.data(), b.size(), 8));
  EXPECT_NE(h, xxh64(b.data(), b.size()));
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] ^= 0x10;
    EXPECT_NE(xxh64(b.data(), b.size(), 7), h) << "byte " << i;
    b[i] ^= 0x10;
  }
}

}  // namespace
}  // namespace ringrt
