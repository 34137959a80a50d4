// The file store: the KV history in a file (disk, SD card, flash), so a sequence
// can be far longer than RAM. Each KV row is written once with pwrite as it is
// produced and chunks are read back with pread into the ring slots' buffers, so no
// page of the file is ever mapped into the process.
//
// File layout (store format 2 for f32 KV, 3 for f16 and int8; kv_store_header.hpp):
//   [0, 4096)  the header: model fingerprint, geometry, stream tag, committed length,
//              KV dtype (format 3)
//   then one block per ring chunk of C positions (block b at 4096 + b * block_bytes):
//     per layer, K then V, per head, C x head_dim numbers in the store's dtype
//     (kv_codec.hpp): K as rows [C][D], V transposed [D][C] (a ring chunk is one
//     block, read with one pread per head and kind), and for int8 the C scales of
//     those rows or columns;
//     then the block's checksums: per layer, C uint64, one per position
//     (kv_row_checksum.hpp: every head's K row and V column of that position, as
//     the numbers they decode to).
// A row's checksum is written with the row. The file grows with the stream (a
// limit on file size or a full disk fails the round that crosses it, never an
// earlier one). The header is rewritten after every round, once that round's KV is
// complete in every layer, so a process killed at any moment loses at most the
// round in flight.
//
// Reads overlap with compute: reading a layer's chunk asks the kernel (posix_fadvise
// WILLNEED) for the same layer's regions kReadaheadChunks blocks ahead, which the
// kernel's own readahead does not follow (a layer is one stripe of every block), and
// will_read() asks for the first kReadaheadChunks blocks of a run of reads wherever
// it starts (each worker's share of the keys, a window's first visible chunk).
// RINGRT_KV_READAHEAD=N in the environment sets the depth (0: off; at most 64).
//
// open() locks the file for the store's life (store_lock.hpp), so one session at a
// time writes it. On resume, before a token is accepted, the KV of every committed
// position the stream can still attend to is read back and checked against its
// checksum (verify()): every committed position, or in a sliding-window ring every
// slot of the chunks that hold the last window - 1 of them (all a later query
// reads). The reads of a run are not checked again.
#pragma once

#include <cstdint>

#include "kv_store.hpp"

namespace ringrt {

struct FileStoreIdentity {
  uint64_t model_fingerprint;
  uint64_t stream_tag;
};

struct KvHeader;

// kIoError "KV store PATH: WHAT: strerror(err)".
Status kv_io_error(const char* path, const char* what, int err);

class FileKvStore final : public KvStore {
 public:
  static constexpr uint64_t kHeaderBytes = 4096;
  static constexpr uint32_t kReadaheadChunks = 4;

  // `staging` holds staging_floats(g) floats: it gathers a head's rows for pwrite,
  // holds a block segment's checksums, and is the resume check's buffer.
  FileKvStore(const KvGeometry& g, float* staging) : g_(g), staging_(staging) {}
  ~FileKvStore() override;
  static std::size_t staging_floats(const KvGeometry& g) { return g.read_floats() + 4 * g.chunk + g.head_dim; }

  // Opens or creates the store at `path` and locks it (a store another session
  // holds is refused at once). An existing store must match the model and
  // geometry; with resume it must match the stream tag too, its committed data
  // must match its checksums, and *committed is its committed length; without
  // resume a store holding committed tokens is refused. `window`: a sliding-window
  // ring's model window (the keys a resumed stream still reads), else 0.
  Status open(const char* path, const FileStoreIdentity& id, bool resume, uint64_t* committed, uint32_t window = 0);

  Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) override;
  Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              KvView* out) override;
  Status read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                     KvChunkView* out) override;
  Status commit(uint64_t length) override;
  // POSIX_FADV_WILLNEED on `layer`'s regions of the first readahead_ chunks of [first, end).
  void will_read(uint32_t layer, uint64_t first, uint64_t end) const override;
  bool reads_chunk_major() const override { return true; }

  // Bytes the file occupies on its device now (allocated blocks).
  uint64_t disk_bytes() const;
  // Bytes of a store of this geometry at full capacity (header included).
  static uint64_t file_bytes(const KvGeometry& g);

 private:
  // Bytes of one layer, kind and head in a block: C x D numbers, then (int8) C scales.
  static uint64_t region_bytes(const KvGeometry& g) { return g.codec().piece_bytes(g.head_dim) * g.chunk; }
  static uint64_t block_bytes(const KvGeometry& g);
  // File offset of the [C][D] (K) or [D][C] (Vᵀ) region of `head` in the block holding `position`.
  uint64_t region(uint32_t layer, KvKind kind, uint32_t head, uint64_t position) const;
  // File offset of the checksum of `position` in `layer`.
  uint64_t checksum_at(uint32_t layer, uint64_t position) const;
  uint64_t* checksums() const { return reinterpret_cast<uint64_t*>(staging_ + g_.read_floats()); }
  Status open_existing(const KvHeader& h, uint64_t file_size, bool resume, uint32_t window, uint64_t* committed);
  // Positions [pos, pos + n) of one block, from n qkv rows (f32, or encoded).
  Status write_segment(uint32_t layer, uint64_t pos, std::size_t n, const float* qkv, std::size_t qkv_stride);
  Status write_encoded(uint32_t layer, uint64_t pos, std::size_t n, const float* qkv, std::size_t qkv_stride);
  Status read_encoded(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                      KvView* out);
  // A chunk's encoded elements (and int8 scales) into scratch at raw_offset().
  Status pread_encoded(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                       KvChunkView* out);
  // read() and read_stored(): a whole chunk, and the readahead it starts.
  Status check_chunk_read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n) const;
  // Positions [first, end) of every layer against their checksums (kv_store_verify.cpp).
  Status verify(uint64_t first, uint64_t end);
  Status write_header(uint64_t committed);
  // Asks the kernel for `layer`'s regions of the block readahead_ chunks after `start`
  // (the run's first blocks: will_read()).
  void read_ahead(uint32_t layer, uint64_t start) const;
  // One block's regions of `layer`, the block holding position `pos`.
  void advise_block(uint32_t layer, uint64_t pos) const;

  KvGeometry g_;
  float* staging_;
  FileStoreIdentity id_{};
  int fd_ = -1;
  uint32_t readahead_ = kReadaheadChunks;
  char path_[256] = {};
};

}  // namespace ringrt
