// Fuzz target: the KV file store's header check on resume. The bytes become the
// store file; a FileKvStore of a fixed geometry and identity opens it with
// resume = true (as `ringrt-run --kv-store file:X --resume` does: the header checks,
// the lock, and the checksums of the committed data), and when it is accepted, the
// committed rows are read back and the store is committed again.
// Each input runs twice: as given, and (when it is long enough) with the header
// checksum recomputed, so that mutations also reach the checks behind the checksum.
// Invariants: a refusal names the store; an accepted store's committed length fits
// the session's capacity and every committed row can be read.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <cstring>
#include <initializer_list>

#include "checksum.hpp"
#include "fuzz_util.hpp"
#include "kv_store_file.hpp"

namespace {

// Layout of the store header (runtime/kv/kv_store_header.hpp): format 2 (f32 KV),
// FNV-1a 64 of bytes [0, 64) at [64, 72); format 3 (f16, int8), of [0, 72) at [72, 80).
constexpr std::size_t kChecksumAtV2 = 64, kChecksumAtV3 = 72;

// Opens the bytes as a store of `dtype` (every input is tried as f32 and as int8).
void open_store(const uint8_t* data, std::size_t size, ringrt::KvDtype dtype) {
  using namespace ringrt;
  static fuzz::MemFile file("fuzz.kv");
  file.replace(data, size);

  KvGeometry geometry{};
  geometry.layers = fuzz::kKvLayers;
  geometry.heads = fuzz::kKvHeads;
  geometry.head_dim = fuzz::kKvHeadDim;
  geometry.capacity = fuzz::kKvCapacity;
  geometry.chunk = fuzz::kKvChunk;
  geometry.dtype = dtype;
  std::vector<float> scratch(geometry.read_floats());
  std::vector<float> staging(FileKvStore::staging_floats(geometry));
  FileKvStore store(geometry, staging.data());
  uint64_t committed = ~0ull;
  const Status s = store.open(file.path(), {fuzz::kKvFingerprint, fuzz::kKvStreamTag}, /*resume=*/true, &committed);
  if (!s.ok()) {
    RINGRT_FUZZ_CHECK(fuzz::starts_with(s.message(), "KV store "), "message: %s", s.message());
    return;
  }
  RINGRT_FUZZ_CHECK(committed <= fuzz::kKvCapacity, "committed %llu beyond the capacity",
                    static_cast<unsigned long long>(committed));
  // Every committed chunk of every head, as the ring reads them.
  for (uint64_t start = 0; start < committed; start += fuzz::kKvChunk) {
    const std::size_t n = static_cast<std::size_t>(committed - start < fuzz::kKvChunk ? committed - start : fuzz::kKvChunk);
    for (uint32_t layer = 0; layer < fuzz::kKvLayers; ++layer) {
      for (uint32_t head = 0; head < fuzz::kKvHeads; ++head) {
        for (KvKind kind : {KvKind::kKey, KvKind::kValue}) {
          KvView view{};
          const Status r = store.read(layer, head, kind, start, n, scratch.data(), &view);
          RINGRT_FUZZ_CHECK(r.ok(), "committed chunk at %llu cannot be read: %s",
                            static_cast<unsigned long long>(start), r.message());
        }
      }
    }
  }
  const Status c = store.commit(committed);
  RINGRT_FUZZ_CHECK(c.ok(), "commit failed: %s", c.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  for (ringrt::KvDtype dtype : {ringrt::KvDtype::kF32, ringrt::KvDtype::kInt8}) {
    open_store(data, size, dtype);
    // The checksum redone where the header's version puts it.
    uint32_t version = 0;
    if (size >= 12) std::memcpy(&version, data + 8, sizeof version);
    const std::size_t at = version >= 3 ? kChecksumAtV3 : kChecksumAtV2;
    if (size >= at + 8) {
      std::vector<uint8_t> fixed(data, data + size);
      const uint64_t sum = ringrt::fnv1a64(fixed.data(), at);
      std::memcpy(fixed.data() + at, &sum, sizeof sum);
      open_store(fixed.data(), fixed.size(), dtype);
    }
  }
  return 0;
}
