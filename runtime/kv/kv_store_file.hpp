// The file store: the KV history in a file (disk, SD card, flash), so a sequence
// can be far longer than RAM. Each KV row is written once with pwrite as it is
// produced and chunks are read back with pread into the ring slots' buffers, so no
// page of the file is ever mapped into the process.
//
// File layout: a 4 KiB header, then one block per ring chunk of C positions; a
// block holds, per layer, K then V, per head, C x head_dim float32: K as rows
// [C][D], V transposed [D][C]. A ring chunk is one block, read with one pread per
// head and kind. The file grows with the stream (a limit on file size or a full
// disk fails the round that crosses it, never an earlier one). The header
// records the model fingerprint, the geometry, the stream tag and the committed
// length; it is rewritten after every round, once that round's KV is complete in
// every layer, so a process killed at any moment loses at most the round in flight.
#pragma once

#include <cstdint>

#include "kv_store.hpp"

namespace ringrt {

struct FileStoreIdentity {
  uint64_t model_fingerprint;
  uint64_t stream_tag;
};

class FileKvStore final : public KvStore {
 public:
  static constexpr uint64_t kHeaderBytes = 4096;

  // `staging` holds at least max_rows * head_dim floats (gathers a head's rows for pwrite).
  FileKvStore(const KvGeometry& g, float* staging) : g_(g), staging_(staging) {}
  ~FileKvStore() override;

  // Opens or creates the store at `path`. An existing store must match the model
  // and geometry; with resume it must match the stream tag too and *committed is
  // its committed length; without resume a store holding committed tokens is refused.
  Status open(const char* path, const FileStoreIdentity& id, bool resume, uint64_t* committed);

  Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) override;
  Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              KvView* out) override;
  Status commit(uint64_t length) override;

  // Bytes the file occupies on its device now (allocated blocks).
  uint64_t disk_bytes() const;
  // Bytes of a store of this geometry at full capacity (header included).
  static uint64_t file_bytes(const KvGeometry& g);

 private:
  // File offset of the [C][D] (K) or [D][C] (Vᵀ) region of `head` in the block holding `position`.
  uint64_t region(uint32_t layer, KvKind kind, uint32_t head, uint64_t position) const;
  Status write_header(uint64_t committed);

  KvGeometry g_;
  float* staging_;
  FileStoreIdentity id_{};
  int fd_ = -1;
  char path_[256] = {};
};

}  // namespace ringrt
