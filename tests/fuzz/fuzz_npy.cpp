// Fuzz target: the .npy reader of ringrt-run (npy::read_f32 and npy::Reader take a
// path, so the bytes go to an in-memory file opened as /proc/self/fd/N).
// Invariants: a rejection names the file and leaves the array empty; an accepted
// array has exactly product(shape) values; the block-streaming Reader accepts
// exactly what read_f32 accepts and reads the same values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_util.hpp"
#include "npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ringrt;
  static fuzz::MemFile file("fuzz.npy");
  file.replace(data, size);
  npy::Array a;
  const Status s = npy::read_f32(file.path(), &a);
  npy::Reader r;
  const Status rs = r.open(file.path(), /*accept_streams=*/true);
  RINGRT_FUZZ_CHECK(s.ok() == rs.ok(), "read_f32: %s; Reader: %s", s.message(), rs.message());
  if (!s.ok()) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(s.message(), file.path()), "message: %s", s.message());
    RINGRT_FUZZ_CHECK(fuzz::starts_with(rs.message(), file.path()), "message: %s", rs.message());
    RINGRT_FUZZ_CHECK(a.shape.empty() && a.data.empty(), "a failed read left data behind");
    return 0;
  }
  std::size_t count = 1;
  for (std::size_t d : a.shape) count *= d;
  RINGRT_FUZZ_CHECK(a.data.size() == count, "%zu values for %zu elements", a.data.size(), count);
  RINGRT_FUZZ_CHECK(a.shape.size() <= npy::kMaxRank, "rank %zu", a.shape.size());
  RINGRT_FUZZ_CHECK(r.shape() == a.shape, "the Reader sees another shape");
  std::vector<float> streamed(count);
  const Status rd = r.read(0, count, streamed.data());
  RINGRT_FUZZ_CHECK(rd.ok(), "Reader: %s", rd.message());
  RINGRT_FUZZ_CHECK(count == 0 || std::memcmp(streamed.data(), a.data.data(), count * sizeof(float)) == 0,
                    "the Reader reads other values");
  return 0;
}
