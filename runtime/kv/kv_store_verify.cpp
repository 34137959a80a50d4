// The resume check of the file store: committed KV read back and re-hashed, one
// chunk, layer, head and kind at a time, against the checksums written with it.
#include <cerrno>
#include <cstring>

#include "file_io.hpp"
#include "kv_row_checksum.hpp"
#include "kv_store_file.hpp"

namespace ringrt {

Status FileKvStore::verify(uint64_t first, uint64_t end) {
  const std::size_t C = g_.chunk, D = g_.head_dim;
  const KvRowChecksum sum{g_.layers, g_.heads, g_.head_dim};
  uint64_t* stored = checksums();
  uint64_t* computed = stored + C;
  float* column = reinterpret_cast<float*>(computed + C);  // one position's value column
  for (uint64_t c = first / C * C; c < end; c += C) {
    const std::size_t lo = first > c ? static_cast<std::size_t>(first - c) : 0;
    const std::size_t n = static_cast<std::size_t>(end - c < C ? end - c : C);
    for (uint32_t layer = 0; layer < g_.layers; ++layer) {
      if (!full_pread(fd_, stored, n * sizeof(uint64_t), checksum_at(layer, c))) {
        return Status::Error(StatusCode::kIoError, "KV store %s: cannot read the checksums of chunk %llu: %s", path_,
                             static_cast<unsigned long long>(c / C), std::strerror(errno));
      }
      std::memset(computed, 0, n * sizeof(uint64_t));
      for (uint32_t j = 0; j < g_.heads; ++j) {
        KvView k, v;
        RINGRT_RETURN_IF_ERROR(read(layer, j, KvKind::kKey, c, n, staging_, &k));
        for (std::size_t r = lo; r < n; ++r) {
          computed[r] += sum.piece(k.data + r * D, layer, KvKind::kKey, j, g_.slot(c + r));
        }
        RINGRT_RETURN_IF_ERROR(read(layer, j, KvKind::kValue, c, n, staging_, &v));
        for (std::size_t r = lo; r < n; ++r) {
          for (std::size_t d = 0; d < D; ++d) column[d] = v.data[d * v.stride + r];
          computed[r] += sum.piece(column, layer, KvKind::kValue, j, g_.slot(c + r));
        }
      }
      for (std::size_t r = lo; r < n; ++r) {
        if (computed[r] == stored[r]) continue;
        return Status::Error(StatusCode::kInvalidArgument,
                             "KV store %s: committed data is damaged: position %llu of layer %u (chunk %llu, the "
                             "block at byte %llu) does not match its checksum; the stream cannot resume from this "
                             "store: remove it and recompute the stream (run again without --resume)",
                             path_, static_cast<unsigned long long>(c + r), layer,
                             static_cast<unsigned long long>(c / C),
                             static_cast<unsigned long long>(region(0, KvKind::kKey, 0, c)));
      }
    }
  }
  return Status::Ok();
}

}  // namespace ringrt
