#include "kv_store_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.hpp"
#include "file_io.hpp"

namespace ringrt {

namespace {

constexpr char kMagic[8] = {'R', 'R', 'T', 'K', 'V', 'S', 'T', '1'};
constexpr uint32_t kVersion = 1;

struct KvHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;
  uint64_t model_fingerprint;
  uint32_t layers, heads, head_dim, chunk;
  uint64_t capacity;
  uint64_t committed;
  uint64_t stream_tag;
  uint64_t checksum;  // FNV-1a 64 of every byte before it
};
static_assert(sizeof(KvHeader) == 72, "KV header layout");

uint64_t header_checksum(const KvHeader& h) { return fnv1a64(&h, offsetof(KvHeader, checksum)); }

Status io_error(const char* path, const char* what, int err) {
  return Status::Error(StatusCode::kIoError, "KV store %s: %s: %s", path, what, std::strerror(err));
}

}  // namespace

FileKvStore::~FileKvStore() {
  if (fd_ >= 0) close(fd_);
}

uint64_t FileKvStore::file_bytes(const KvGeometry& g) {
  const uint64_t blocks = (g.capacity + g.chunk - 1) / g.chunk;
  return kHeaderBytes + blocks * g.chunk * g.layers * 2 * g.heads * g.head_dim * sizeof(float);
}

uint64_t FileKvStore::region(uint32_t layer, KvKind kind, uint32_t head, uint64_t position) const {
  const uint64_t regions_per_block = static_cast<uint64_t>(g_.layers) * 2 * g_.heads;
  const uint64_t index = (static_cast<uint64_t>(layer) * 2 + static_cast<uint32_t>(kind)) * g_.heads + head;
  const uint64_t block = g_.slot(position) / g_.chunk;
  return kHeaderBytes + (block * regions_per_block + index) * g_.chunk * g_.head_dim * sizeof(float);
}

Status FileKvStore::open(const char* path, const FileStoreIdentity& id, bool resume, uint64_t* committed) {
  std::snprintf(path_, sizeof path_, "%s", path);
  id_ = id;
  *committed = 0;
  struct stat st;
  const bool exists = stat(path, &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    return Status::Error(StatusCode::kInvalidArgument, "KV store %s is a directory; give a file path", path);
  }
  if (exists) {
    fd_ = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return io_error(path, "cannot open", errno);
    KvHeader h;
    if (!full_pread(fd_, &h, sizeof h, 0) || std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s: not a ringrt KV store or its header is damaged; remove it to start over",
                           path);
    }
    if (h.checksum != header_checksum(h) || h.version != kVersion || h.header_bytes != kHeaderBytes) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s: damaged header (checksum or version mismatch); remove it to start over", path);
    }
    if (h.model_fingerprint != id.model_fingerprint) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s was written by a different model (fingerprint %016llx, this model %016llx)",
                           path, static_cast<unsigned long long>(h.model_fingerprint),
                           static_cast<unsigned long long>(id.model_fingerprint));
    }
    if (h.layers != g_.layers || h.heads != g_.heads || h.head_dim != g_.head_dim) {
      return Status::Error(StatusCode::kInvalidArgument, "KV store %s has a different geometry", path);
    }
    if (h.chunk != g_.chunk) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s was written with chunk %u; open it with the same chunk size (not %u)", path,
                           h.chunk, g_.chunk);
    }
    // The last Vᵀ row of the last head, up to the last committed position, ends the
    // data the header vouches for.
    const uint64_t needed = h.committed ? region(g_.layers - 1, KvKind::kValue, g_.heads - 1, h.committed - 1) +
                                              ((g_.head_dim - 1) * g_.chunk + (h.committed - 1) % g_.chunk + 1) * 4
                                        : 0;
    if (static_cast<uint64_t>(st.st_size) < needed) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s is truncated: its header commits %llu tokens but the file ends early", path,
                           static_cast<unsigned long long>(h.committed));
    }
    if (g_.window_buffer && h.capacity != g_.capacity) {
      // A ring's slots depend on its size (window, chunk and workers * chunk).
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s is a sliding-window ring of %llu positions, this session's ring has %llu: "
                           "open it with the same threads and chunk it was written with",
                           path, static_cast<unsigned long long>(h.capacity),
                           static_cast<unsigned long long>(g_.capacity));
    }
    if (resume && !g_.window_buffer && h.committed > g_.capacity) {
      return Status::Error(StatusCode::kCapacityExceeded,
                           "KV store %s holds %llu tokens, more than the session's max_context of %llu", path,
                           static_cast<unsigned long long>(h.committed), static_cast<unsigned long long>(g_.capacity));
    }
    if (resume) {
      if (h.committed > 0 && h.stream_tag != id.stream_tag) {
        return Status::Error(StatusCode::kInvalidArgument,
                             "KV store %s holds a stream of different input (stream tag %016llx, expected %016llx)",
                             path, static_cast<unsigned long long>(h.stream_tag),
                             static_cast<unsigned long long>(id.stream_tag));
      }
      *committed = h.committed;
      return h.committed ? Status::Ok() : write_header(0);
    }
    if (h.committed > 0) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s already holds %llu committed tokens; resume it or remove the file", path,
                           static_cast<unsigned long long>(h.committed));
    }
    return write_header(0);
  }
  fd_ = ::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return io_error(path, "cannot create", errno);
  Status s = write_header(0);  // the file grows (sparse) as KV rows are written
  if (!s.ok()) {
    close(fd_);
    fd_ = -1;
    unlink(path);  // no partial store left behind
  }
  return s;
}

Status FileKvStore::write_header(uint64_t committed) {
  KvHeader h;
  std::memset(&h, 0, sizeof h);
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.header_bytes = kHeaderBytes;
  h.model_fingerprint = id_.model_fingerprint;
  h.layers = g_.layers;
  h.heads = g_.heads;
  h.head_dim = g_.head_dim;
  h.chunk = g_.chunk;
  h.capacity = g_.capacity;
  h.committed = committed;
  h.stream_tag = id_.stream_tag;
  h.checksum = header_checksum(h);
  if (!full_pwrite(fd_, &h, sizeof h, 0)) return io_error(path_, "cannot write the header", errno);
  return Status::Ok();
}

Status FileKvStore::write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) {
  const std::size_t D = g_.head_dim, H = static_cast<std::size_t>(g_.heads) * D, C = g_.chunk;
  for (uint32_t j = 0; j < g_.heads; ++j) {
    // One block segment at a time: K rows in one pwrite, Vᵀ rows one per dimension.
    for (std::size_t done = 0; done < rows;) {
      const uint64_t pos = start + done;
      const std::size_t in_block = static_cast<std::size_t>(pos % C);
      const std::size_t n = rows - done < C - in_block ? rows - done : C - in_block;
      const float* k_src = qkv + done * qkv_stride + g_.key_column() + j * D;
      for (std::size_t r = 0; r < n; ++r) std::memcpy(staging_ + r * D, k_src + r * qkv_stride, D * sizeof(float));
      bool ok = full_pwrite(fd_, staging_, n * D * sizeof(float),
                            region(layer, KvKind::kKey, j, pos) + in_block * D * sizeof(float));
      const float* v_src = qkv + done * qkv_stride + g_.key_column() + H + j * D;
      for (std::size_t d = 0; d < D; ++d) {
        for (std::size_t r = 0; r < n; ++r) staging_[d * n + r] = v_src[r * qkv_stride + d];
      }
      const uint64_t v_region = region(layer, KvKind::kValue, j, pos);
      for (std::size_t d = 0; ok && d < D; ++d) {
        ok = full_pwrite(fd_, staging_ + d * n, n * sizeof(float), v_region + (d * C + in_block) * sizeof(float));
      }
      if (!ok) return io_error(path_, "write failed (disk full or file size limit?)", errno);
      done += n;
    }
  }
  return Status::Ok();
}

Status FileKvStore::read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                         KvView* out) {
  const std::size_t D = g_.head_dim, C = g_.chunk;
  if (start % C != 0 || n > C) {
    return Status::Error(StatusCode::kInternal, "KV store %s: read of [%llu, +%zu) is not one chunk", path_,
                         static_cast<unsigned long long>(start), n);
  }
  // K: n rows of D. Vᵀ: D rows of C, of which the first n are used: read up to the last one.
  const std::size_t floats = kind == KvKind::kKey ? n * D : (D - 1) * C + n;
  if (!full_pread(fd_, scratch, floats * sizeof(float), region(layer, kind, head, start))) {
    return io_error(path_, "read failed", errno);
  }
  *out = KvView{scratch, kind == KvKind::kKey ? D : C};
  return Status::Ok();
}

Status FileKvStore::commit(uint64_t length) { return write_header(length); }

uint64_t FileKvStore::disk_bytes() const {
  struct stat st;
  if (fd_ < 0 || fstat(fd_, &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

}  // namespace ringrt
