// The file store: the KV history in a file (disk, SD card, flash), so a sequence
// can be far longer than RAM. Each KV row is written once with pwrite as it is
// produced and chunks are read back with pread into the ring slots' buffers, so no
// page of the file is ever mapped into the process.
//
// File layout: a 4 KiB header, then blocks of kBlockPositions positions; a block
// holds, per layer, K then V, per head, kBlockPositions rows of head_dim float32.
// The file grows with the stream (a limit on file size or a full disk fails the
// round that crosses it, never an earlier one), and its capacity is not fixed. The header
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
  static constexpr uint64_t kBlockPositions = 256;

  // `staging` holds at least max_rows * head_dim floats (gathers a head's rows for one pwrite).
  FileKvStore(const KvGeometry& g, float* staging) : g_(g), staging_(staging) {}
  ~FileKvStore() override;

  // Opens or creates the store at `path`. An existing store must match the model
  // and geometry; with resume it must match the stream tag too and *committed is
  // its committed length; without resume a store holding committed tokens is refused.
  Status open(const char* path, const FileStoreIdentity& id, bool resume, uint64_t* committed);

  Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) override;
  Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              const float** out) override;
  Status commit(uint64_t length) override;

  // Bytes the file occupies on its device now (allocated blocks).
  uint64_t disk_bytes() const;
  // Bytes of a store of this geometry at full capacity (header included).
  static uint64_t file_bytes(const KvGeometry& g);

 private:
  uint64_t offset(uint32_t layer, KvKind kind, uint32_t head, uint64_t position) const;
  // Rows [position, position + n) of one head that lie in one block: at most until the block ends.
  std::size_t rows_in_block(uint64_t position, std::size_t n) const;
  Status write_header(uint64_t committed);

  KvGeometry g_;
  float* staging_;
  FileStoreIdentity id_{};
  int fd_ = -1;
  char path_[256] = {};
};

}  // namespace ringrt
