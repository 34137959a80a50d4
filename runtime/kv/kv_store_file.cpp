#include "kv_store_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.hpp"
#include "kv_row_checksum.hpp"
#include "kv_store_header.hpp"
#include "store_lock.hpp"

namespace ringrt {

namespace {

// Creates the file, or opens it if it exists (also when another process created it
// since the caller looked). *created says which; on failure (-1, errno) *what names
// the step that failed.
int open_or_create(const char* path, bool* created, const char** what) {
  *what = "cannot create";
  int fd = ::open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  *created = fd >= 0;
  if (fd < 0 && errno == EEXIST) {
    *what = "cannot open";
    fd = ::open(path, O_RDWR | O_CLOEXEC);
  }
  return fd;
}

}  // namespace

Status kv_io_error(const char* path, const char* what, int err) {
  return Status::Error(StatusCode::kIoError, "KV store %s: %s: %s", path, what, std::strerror(err));
}

FileKvStore::~FileKvStore() {
  if (fd_ >= 0) close(fd_);
}

uint64_t FileKvStore::block_bytes(const KvGeometry& g) {
  const uint64_t data = static_cast<uint64_t>(g.layers) * 2 * g.heads * region_bytes(g);
  return data + static_cast<uint64_t>(g.layers) * g.chunk * sizeof(uint64_t);
}

uint64_t FileKvStore::file_bytes(const KvGeometry& g) {
  const uint64_t blocks = (g.capacity + g.chunk - 1) / g.chunk;
  return kHeaderBytes + blocks * block_bytes(g);
}

uint64_t FileKvStore::region(uint32_t layer, KvKind kind, uint32_t head, uint64_t position) const {
  const uint64_t index = (static_cast<uint64_t>(layer) * 2 + static_cast<uint32_t>(kind)) * g_.heads + head;
  const uint64_t block = g_.slot(position) / g_.chunk;
  return kHeaderBytes + block * block_bytes(g_) + index * region_bytes(g_);
}

uint64_t FileKvStore::checksum_at(uint32_t layer, uint64_t position) const {
  const uint64_t slot = g_.slot(position), C = g_.chunk;
  const uint64_t data = static_cast<uint64_t>(g_.layers) * 2 * g_.heads * region_bytes(g_);
  return kHeaderBytes + slot / C * block_bytes(g_) + data + (layer * C + slot % C) * sizeof(uint64_t);
}

void FileKvStore::advise_block(uint32_t layer, uint64_t pos) const {
  if (!g_.window_buffer && pos >= g_.capacity) return;
  const uint64_t layer_bytes = 2 * static_cast<uint64_t>(g_.heads) * region_bytes(g_);
  (void)posix_fadvise(fd_, static_cast<off_t>(region(layer, KvKind::kKey, 0, pos)), static_cast<off_t>(layer_bytes),
                      POSIX_FADV_WILLNEED);  // a hint: a failure changes nothing
}

void FileKvStore::read_ahead(uint32_t layer, uint64_t start) const {
  if (readahead_ > 0) advise_block(layer, start + static_cast<uint64_t>(readahead_) * g_.chunk);
}

// The chunk at `first` and the readahead_ - 1 after it: the read of each chunk then
// asks for the one readahead_ chunks after it (read_ahead()), so a run of reads that
// starts anywhere (a worker's share of the keys, a window's first visible chunk) has
// the whole window on its way from its first read.
void FileKvStore::will_read(uint32_t layer, uint64_t first, uint64_t end) const {
  for (uint64_t i = 0; i < readahead_; ++i) {
    const uint64_t pos = first + i * g_.chunk;
    if (pos >= end) break;
    advise_block(layer, pos);
  }
}

Status FileKvStore::open(const char* path, const FileStoreIdentity& id, bool resume, uint64_t* committed,
                         uint32_t window) {
  std::snprintf(path_, sizeof path_, "%s", path);
  if (const char* depth = std::getenv("RINGRT_KV_READAHEAD")) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(depth, &end, 10);
    if (end == depth || *end != '\0' || n > 64) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "RINGRT_KV_READAHEAD='%s' is not a number of chunks in [0, 64] (the KV file store's "
                           "readahead depth; unset it for the default of %u)",
                           depth, kReadaheadChunks);
    }
    readahead_ = static_cast<uint32_t>(n);
  }
  id_ = id;
  *committed = 0;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::Error(StatusCode::kInvalidArgument, "KV store %s is a directory; give a file path", path);
  }
  bool created = false;
  const char* what = nullptr;
  const int fd = open_or_create(path, &created, &what);
  if (fd < 0) return kv_io_error(path, what, errno);
  // A store is a regular file: it is read and written at offsets, and a device or a
  // FIFO given by mistake (/dev/null, a pipe) must not be written to.
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s is not a regular file (%s); give the path of a regular file, or of one to create",
                         path, S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                               : S_ISFIFO(st.st_mode)                     ? "a FIFO or pipe"
                                                                          : "a socket or other special file");
  }
  // Locked before a byte is read or written: what another session holds is left alone.
  const Status locked = lock_store_file(fd, "KV store", path);
  if (!locked.ok()) {
    close(fd);
    return locked;
  }
  fd_ = fd;
  if (created) {
    Status s = write_header(0);  // the file grows (sparse) as KV rows are written
    if (!s.ok()) {
      unlink(path);  // no partial store left behind (still locked: nobody else has it)
      close(fd_);
      fd_ = -1;
    }
    return s;
  }
  KvHeader h;
  std::memset(&h, 0, sizeof h);
  if (fstat(fd_, &st) != 0) return kv_io_error(path, "cannot stat", errno);
  // A format-2 header is shorter than a format-3 one, and a new store's file ends with it.
  const std::size_t bytes = static_cast<uint64_t>(st.st_size) < sizeof h ? static_cast<std::size_t>(st.st_size) : sizeof h;
  const bool read = full_pread(fd_, &h, bytes, 0);
  RINGRT_RETURN_IF_ERROR(check_kv_header_format(h, read ? bytes : 0, kHeaderBytes, path));
  return open_existing(h, static_cast<uint64_t>(st.st_size), resume, window, committed);
}

Status FileKvStore::open_existing(const KvHeader& h, uint64_t file_size, bool resume, uint32_t window,
                                  uint64_t* committed) {
  const char* path = path_;
  if (h.model_fingerprint != id_.model_fingerprint) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written by a different model (fingerprint %016llx, this model %016llx)",
                         path, static_cast<unsigned long long>(h.model_fingerprint),
                         static_cast<unsigned long long>(id_.model_fingerprint));
  }
  if (h.layers != g_.layers || h.heads != g_.heads || h.head_dim != g_.head_dim) {
    return Status::Error(StatusCode::kInvalidArgument, "KV store %s has a different geometry", path);
  }
  if (h.chunk != g_.chunk) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s was written with chunk %u; open it with the same chunk size (not %u)", path,
                         h.chunk, g_.chunk);
  }
  const KvDtype dtype = kv_header_dtype(h);
  if (h.committed > 0 && dtype != g_.dtype) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s keeps its KV history as %s, this session as %s: resume it with the dtype it was "
                         "written with (ringrt-run --kv-dtype %s, SessionOptions::kv_dtype)",
                         path, kv_dtype_name(dtype), kv_dtype_name(g_.dtype), kv_dtype_name(dtype));
  }
  // The checksums of the last committed position end the data the header vouches
  // for (they follow the K and V of their block).
  const uint64_t needed = h.committed ? checksum_at(g_.layers - 1, h.committed - 1) + sizeof(uint64_t) : 0;
  if (file_size < needed) {
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
    if (h.committed > 0 && h.stream_tag != id_.stream_tag) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "KV store %s holds a stream of different input (stream tag %016llx, expected %016llx)",
                           path, static_cast<unsigned long long>(h.stream_tag),
                           static_cast<unsigned long long>(id_.stream_tag));
    }
    if (h.committed == 0) return write_header(0);
    // Every committed position, or in a sliding-window ring the chunks a later query
    // reads: those holding the last window - 1 positions (the ring's older slots may
    // hold a round that was in flight at a crash).
    uint64_t first = 0;
    if (g_.window_buffer) {
      const uint64_t seen = window > 0 ? window - 1 : 0;
      first = h.committed > seen ? (h.committed - seen) / g_.chunk * g_.chunk : 0;
    }
    RINGRT_RETURN_IF_ERROR(verify(first, h.committed));
    *committed = h.committed;
    return Status::Ok();
  }
  if (h.committed > 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "KV store %s already holds %llu committed tokens: resume it (ringrt-run --resume, SessionOptions::resume) "
                         "to continue that stream, or give another path; it is never overwritten", path,
                         static_cast<unsigned long long>(h.committed));
  }
  return write_header(0);
}

Status FileKvStore::write_header(uint64_t committed) {
  KvHeader h;
  std::memset(&h, 0, sizeof h);
  std::memcpy(h.magic, kKvStoreMagic, sizeof kKvStoreMagic);
  h.version = kKvStoreVersion;
  h.header_bytes = kHeaderBytes;
  h.model_fingerprint = id_.model_fingerprint;
  h.layers = g_.layers;
  h.heads = g_.heads;
  h.head_dim = g_.head_dim;
  h.chunk = g_.chunk;
  h.capacity = g_.capacity;
  h.committed = committed;
  h.stream_tag = id_.stream_tag;
  h.kv_dtype = static_cast<uint32_t>(g_.dtype);
  const std::size_t bytes = seal_kv_header(&h);
  if (!full_pwrite(fd_, &h, bytes, 0)) return kv_io_error(path_, "cannot write the header", errno);
  return Status::Ok();
}

Status FileKvStore::write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) {
  const std::size_t C = g_.chunk;
  for (std::size_t done = 0; done < rows;) {
    const uint64_t pos = start + done;
    const std::size_t in_block = static_cast<std::size_t>(pos % C);
    const std::size_t n = rows - done < C - in_block ? rows - done : C - in_block;
    RINGRT_RETURN_IF_ERROR(write_segment(layer, pos, n, qkv + done * qkv_stride, qkv_stride));
    done += n;
  }
  return Status::Ok();
}

Status FileKvStore::write_segment(uint32_t layer, uint64_t pos, std::size_t n, const float* qkv,
                                  std::size_t qkv_stride) {
  if (g_.dtype != KvDtype::kF32) return write_encoded(layer, pos, n, qkv, qkv_stride);
  const std::size_t D = g_.head_dim, H = static_cast<std::size_t>(g_.heads) * D, C = g_.chunk;
  const std::size_t in_block = static_cast<std::size_t>(pos % C);
  const float* kv = qkv + g_.key_column();
  bool ok = true;
  for (uint32_t j = 0; ok && j < g_.heads; ++j) {
    // K rows in one pwrite, Vᵀ rows one per dimension.
    const float* k_src = kv + j * D;
    for (std::size_t r = 0; r < n; ++r) std::memcpy(staging_ + r * D, k_src + r * qkv_stride, D * sizeof(float));
    const uint64_t k_at = region(layer, KvKind::kKey, j, pos) + in_block * D * sizeof(float);
    ok = full_pwrite(fd_, staging_, n * D * sizeof(float), k_at);
    const float* v_src = kv + H + j * D;
    for (std::size_t d = 0; d < D; ++d) {
      for (std::size_t r = 0; r < n; ++r) staging_[d * n + r] = v_src[r * qkv_stride + d];
    }
    const uint64_t v_region = region(layer, KvKind::kValue, j, pos);
    for (std::size_t d = 0; ok && d < D; ++d) {
      ok = full_pwrite(fd_, staging_ + d * n, n * sizeof(float), v_region + (d * C + in_block) * sizeof(float));
    }
  }
  if (ok) {
    const KvRowChecksum sum{g_.layers, g_.heads, g_.head_dim};
    uint64_t* sums = checksums();
    for (std::size_t r = 0; r < n; ++r) sums[r] = sum.row(kv + r * qkv_stride, layer, g_.slot(pos + r));
    ok = full_pwrite(fd_, sums, n * sizeof(uint64_t), checksum_at(layer, pos));
  }
  if (!ok) return kv_io_error(path_, "write failed (disk full or file size limit?)", errno);
  return Status::Ok();
}

Status FileKvStore::check_chunk_read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start,
                                     std::size_t n) const {
  if (start % g_.chunk != 0 || n > g_.chunk) {
    return Status::Error(StatusCode::kInternal, "KV store %s: read of [%llu, +%zu) is not one chunk", path_,
                         static_cast<unsigned long long>(start), n);
  }
  if (kind == KvKind::kKey && head == 0) read_ahead(layer, start);
  return Status::Ok();
}

Status FileKvStore::read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n,
                                float* scratch, KvChunkView* out) {
  if (g_.dtype == KvDtype::kF32) {  // as read() returns it
    KvView v;
    RINGRT_RETURN_IF_ERROR(read(layer, head, kind, start, n, scratch, &v));
    *out = KvChunkView{KvDtype::kF32, v.data, v.stride, nullptr};
    return Status::Ok();
  }
  RINGRT_RETURN_IF_ERROR(check_chunk_read(layer, head, kind, start, n));
  return pread_encoded(layer, head, kind, start, n, scratch, out);
}

Status FileKvStore::read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                         KvView* out) {
  const std::size_t D = g_.head_dim, C = g_.chunk;
  RINGRT_RETURN_IF_ERROR(check_chunk_read(layer, head, kind, start, n));
  if (g_.dtype != KvDtype::kF32) return read_encoded(layer, head, kind, start, n, scratch, out);
  // K: n rows of D. Vᵀ: D rows of C, of which the first n are used: read up to the last one.
  const std::size_t floats = kind == KvKind::kKey ? n * D : (D - 1) * C + n;
  if (!full_pread(fd_, scratch, floats * sizeof(float), region(layer, kind, head, start))) {
    return kv_io_error(path_, "read failed", errno);
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
