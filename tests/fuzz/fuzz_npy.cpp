// Fuzz target: the .npy reader of ringrt-run (npy::read_f32 takes a path, so the
// bytes go to an in-memory file opened as /proc/self/fd/N). Invariants: a rejection
// names the file and leaves the array empty; an accepted array has exactly
// product(shape) values.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.hpp"
#include "npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace ringrt;
  static fuzz::MemFile file("fuzz.npy");
  file.replace(data, size);
  npy::Array a;
  const Status s = npy::read_f32(file.path(), &a);
  if (!s.ok()) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(s.message(), file.path()), "message: %s", s.message());
    RINGRT_FUZZ_CHECK(a.shape.empty() && a.data.empty(), "a failed read left data behind");
    return 0;
  }
  std::size_t count = 1;
  for (std::size_t d : a.shape) count *= d;
  RINGRT_FUZZ_CHECK(a.data.size() == count, "%zu values for %zu elements", a.data.size(), count);
  RINGRT_FUZZ_CHECK(a.shape.size() <= npy::kMaxRank, "rank %zu", a.shape.size());
  return 0;
}
