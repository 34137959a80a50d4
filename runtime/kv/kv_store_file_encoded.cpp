// The file store's f16 and int8 rows (kv_codec.hpp): encoded as they are written,
// checksummed as the numbers they decode to (so the resume check reads them back
// like float32 rows), decoded into the reader's scratch.
#include <cerrno>
#include <cstring>
#include <initializer_list>

#include "file_io.hpp"
#include "kv_row_checksum.hpp"
#include "kv_store_file.hpp"

namespace ringrt {

Status FileKvStore::write_encoded(uint32_t layer, uint64_t pos, std::size_t n, const float* qkv,
                                  std::size_t qkv_stride) {
  const std::size_t D = g_.head_dim, H = static_cast<std::size_t>(g_.heads) * D, C = g_.chunk;
  const std::size_t in_block = static_cast<std::size_t>(pos % C);
  const KvCodec codec = g_.codec();
  const std::size_t eb = codec.element_bytes();
  const uint64_t scales_at = static_cast<uint64_t>(C) * D * eb;  // in a region
  // Staging: [scales of n pieces][n x D elements] where a read decodes, then the
  // checksums, then one decoded piece.
  float* scales = staging_ + g_.raw_offset();
  uint8_t* elements = reinterpret_cast<uint8_t*>(scales + C);
  uint64_t* sums = checksums();
  float* piece = staging_ + g_.read_floats() + 4 * C;
  const KvRowChecksum sum{g_.layers, g_.heads, g_.head_dim};
  const float* kv = qkv + g_.key_column();
  std::memset(sums, 0, n * sizeof(uint64_t));
  bool ok = true;
  for (uint32_t j = 0; ok && j < g_.heads; ++j) {
    for (KvKind kind : {KvKind::kKey, KvKind::kValue}) {
      // K: rows [n][D]; Vᵀ: rows [D][n]. A piece is one position's D numbers either way.
      const float* src = kv + (kind == KvKind::kKey ? 0 : H) + j * D;
      const std::size_t step = kind == KvKind::kKey ? D : 1, stride = kind == KvKind::kKey ? 1 : n;
      for (std::size_t r = 0; r < n; ++r) {
        uint8_t* dst = elements + r * step * eb;
        if (!codec.encode(src + r * qkv_stride, D, dst, stride, &scales[r])) {
          return kv_range_error(g_.dtype, kind, layer, pos + r, j);
        }
        codec.decode_piece(dst, stride, scales[r], D, piece);
        sums[r] += sum.piece(piece, layer, kind, j, g_.slot(pos + r));
      }
      const uint64_t at = region(layer, kind, j, pos);
      if (kind == KvKind::kKey) {
        ok = full_pwrite(fd_, elements, n * D * eb, at + in_block * D * eb);
      } else {
        for (std::size_t d = 0; ok && d < D; ++d) {
          ok = full_pwrite(fd_, elements + d * n * eb, n * eb, at + (d * C + in_block) * eb);
        }
      }
      if (ok && codec.scaled()) ok = full_pwrite(fd_, scales, n * sizeof(float), at + scales_at + in_block * sizeof(float));
      if (!ok) break;
    }
  }
  if (ok) ok = full_pwrite(fd_, sums, n * sizeof(uint64_t), checksum_at(layer, pos));
  if (!ok) return kv_io_error(path_, "write failed (disk full or file size limit?)", errno);
  return Status::Ok();
}

Status FileKvStore::pread_encoded(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n,
                                  float* scratch, KvChunkView* out) {
  const std::size_t D = g_.head_dim, C = g_.chunk;
  const KvCodec codec = g_.codec();
  const std::size_t eb = codec.element_bytes();
  float* scales = scratch + g_.raw_offset();
  uint8_t* elements = reinterpret_cast<uint8_t*>(scales + C);
  // K: n rows of D. Vᵀ: D rows of C, of which the first n are used: read up to the last one.
  const std::size_t count = kind == KvKind::kKey ? n * D : (D - 1) * C + n;
  const uint64_t at = region(layer, kind, head, start);
  bool ok = full_pread(fd_, elements, count * eb, at);
  if (ok && codec.scaled()) ok = full_pread(fd_, scales, n * sizeof(float), at + static_cast<uint64_t>(C) * D * eb);
  if (!ok) return kv_io_error(path_, "read failed", errno);
  *out = KvChunkView{g_.dtype, elements, kind == KvKind::kKey ? D : C, codec.scaled() ? scales : nullptr};
  return Status::Ok();
}

Status FileKvStore::read_encoded(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n,
                                 float* scratch, KvView* out) {
  const std::size_t D = g_.head_dim, C = g_.chunk;
  const KvCodec codec = g_.codec();
  const std::size_t eb = codec.element_bytes();
  KvChunkView raw;
  RINGRT_RETURN_IF_ERROR(pread_encoded(layer, head, kind, start, n, scratch, &raw));
  const uint8_t* elements = static_cast<const uint8_t*>(raw.data);
  const float* scales = raw.scales;
  if (kind == KvKind::kKey) {
    for (std::size_t r = 0; r < n; ++r) {
      codec.decode_run(elements + r * D * eb, D, codec.scaled() ? scales[r] : 1.0f, scratch + r * D);
    }
    *out = KvView{scratch, D};
  } else {
    for (std::size_t d = 0; d < D; ++d) {
      codec.decode_run_scaled(elements + d * C * eb, n, codec.scaled() ? scales : nullptr, scratch + d * n);
    }
    *out = KvView{scratch, n};
  }
  return Status::Ok();
}

}  // namespace ringrt
