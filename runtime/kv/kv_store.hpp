// The KV history: every layer's keys and values for positions [0, length).
// A store is written once per token and layer, and read a chunk at a time into
// the worker ring. Keys are kept as rows ([position][head_dim]); values are kept
// transposed ([head_dim][position]): the fused attention kernel
// (kernels/attention_block.hpp) reads both where they are, nothing repacked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "attention_row.hpp"
#include "kv_codec.hpp"
#include "ringrt/status.hpp"

namespace ringrt {

enum class KvKind : uint32_t { kKey = 0, kValue = 1 };

struct KvGeometry {
  uint32_t layers;
  uint32_t heads;
  uint32_t head_dim;
  uint64_t capacity;  // positions
  uint32_t chunk;     // the worker ring's chunk: reads are of whole chunks [iC, iC + n)
  uint32_t k_column = 0;  // K's first column in a qkv row (V follows K's heads * head_dim); 0: heads * head_dim
  uint32_t key_column() const { return k_column ? k_column : heads * head_dim; }
  // A window buffer (causal sliding-window models): position p lives at row
  // p mod capacity, so a stream of any length keeps the last `capacity` positions.
  // capacity is a multiple of chunk, so a chunk never wraps.
  bool window_buffer = false;
  uint64_t slot(uint64_t position) const { return window_buffer ? position % capacity : position; }
  KvDtype dtype = KvDtype::kF32;  // how the store keeps its numbers (kv_codec.hpp)
  KvCodec codec() const { return KvCodec{dtype}; }
  // A memory store of this geometry: the elements of every layer, kind and head
  // (rounded up to 8 bytes), then the scales (int8).
  uint64_t element_bytes() const {
    const uint64_t b = static_cast<uint64_t>(layers) * 2 * heads * capacity * head_dim * codec().element_bytes();
    return (b + 7) & ~uint64_t{7};
  }
  uint64_t bytes() const {
    return element_bytes() + (codec().scaled() ? static_cast<uint64_t>(layers) * 2 * heads * capacity * sizeof(float) : 0);
  }
  // Floats of the scratch one read() needs: the decoded chunk (C x D floats, rounded
  // to 8 bytes), then, for a store that reads encoded bytes before decoding them
  // (the file store, f16 or int8), room for them at raw_offset(): the chunk's
  // scales (C floats, used by int8) and then its elements.
  std::size_t raw_offset() const { return (static_cast<std::size_t>(chunk) * head_dim + 1) & ~std::size_t{1}; }
  std::size_t read_floats() const {
    if (dtype == KvDtype::kF32) return raw_offset();
    const std::size_t elements = static_cast<std::size_t>(chunk) * head_dim * codec().element_bytes();
    return (raw_offset() + chunk + (elements + 3) / 4 + 1) & ~std::size_t{1};
  }
};

// Positions a window buffer needs: every key a round of `round` queries can see
// (window - 1 before the round, rounded up to a chunk), a chunk, and the round.
uint64_t window_buffer_positions(uint32_t window, uint32_t chunk, uint64_t round);

// One head's chunk of n positions, as float32 whatever the store's dtype. Keys: n
// rows of head_dim floats, `stride` floats apart. Values: head_dim rows of n floats
// (Vᵀ), `stride` floats apart.
struct KvView {
  const float* data;
  std::size_t stride;
};

// kNonFinite naming the key or value an f16 store cannot hold.
Status kv_range_error(KvDtype dtype, KvKind kind, uint32_t layer, uint64_t position, uint32_t head);

class KvStore {
 public:
  virtual ~KvStore() = default;
  // Copies K and V of rows [0, rows) from `qkv` (row stride `qkv_stride`, K at
  // column key_column(), V right after it) to positions [start, start + rows) of `layer`,
  // encoded in the store's dtype (kNonFinite: a number beyond an f16 store's range).
  virtual Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
                       std::size_t qkv_stride) = 0;
  // Chunk [start, start + n) of one head, start a multiple of the chunk and n <= chunk.
  // A store that cannot return memory in place (a file, or numbers to decode) reads
  // into `scratch` (KvGeometry::read_floats() floats).
  virtual Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n,
                      float* scratch, KvView* out) = 0;
  // The same chunk as the store keeps it, in its dtype (KvChunkView: keys as rows of
  // D elements, values as Vᵀ rows, int8 with a scale per position): in place, or
  // read into `scratch` (read_floats() floats) by a store that must copy.
  virtual Status read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n,
                             float* scratch, KvChunkView* out) = 0;
  // Records that positions [0, length) are complete in every layer. A store that
  // persists (the file store) makes this the point a resumed stream continues from.
  virtual Status commit(uint64_t length) = 0;
  // A hint: chunks of `layer` from position `first` (a chunk start) up to `end` are read
  // next, in order. A store that reads a file asks the kernel for the first of them
  // (each read then asks for one more ahead); a store in memory has nothing to do.
  virtual void will_read(uint32_t /*layer*/, uint64_t /*first*/, uint64_t /*end*/) const {}
  // The order a run of reads of every kv head takes. false: one head at a time, all
  // its chunks before the next head's (a store in memory keeps a head's chunks
  // adjacent: two long runs the hardware prefetchers follow). true: one chunk at a
  // time, every head of it before the next chunk (the file store keeps a chunk's
  // heads side by side in one block: each block is then read once, in file order,
  // while its readahead is in the page cache, even when the history is larger).
  virtual bool reads_chunk_major() const { return false; }
};

// Every layer's KV in one layer of `inner`: a bidirectional model runs layer by
// layer (session/layer_by_layer.cpp) and needs one layer's keys at a time.
class OneLayerKvStore final : public KvStore {
 public:
  explicit OneLayerKvStore(KvStore* inner) : inner_(inner) {}
  Status write(uint32_t, uint64_t start, std::size_t rows, const float* qkv, std::size_t qkv_stride) override {
    return inner_->write(0, start, rows, qkv, qkv_stride);
  }
  Status read(uint32_t, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              KvView* out) override {
    return inner_->read(0, head, kind, start, n, scratch, out);
  }
  Status read_stored(uint32_t, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                     KvChunkView* out) override {
    return inner_->read_stored(0, head, kind, start, n, scratch, out);
  }
  Status commit(uint64_t length) override { return inner_->commit(length); }
  void will_read(uint32_t, uint64_t first, uint64_t end) const override { inner_->will_read(0, first, end); }
  bool reads_chunk_major() const override { return inner_->reads_chunk_major(); }

 private:
  KvStore* inner_;
};

// The memory store: the whole history inside the session arena (g.bytes() bytes),
// per layer, kind and head K[capacity][D], or Vᵀ in blocks of a chunk
// ([capacity / C][D][C], the last block as wide as the positions left), in the
// store's dtype, then (int8) per layer, kind and head a scale per position. A
// chunk's Vᵀ is one contiguous run, like its keys: one stream for the prefetchers,
// and no set of the cache gets every row (rows `capacity` apart would share sets).
class MemoryKvStore final : public KvStore {
 public:
  MemoryKvStore(const KvGeometry& g, void* storage) : g_(g), data_(static_cast<uint8_t*>(storage)) {}
  Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv,
               std::size_t qkv_stride) override;
  Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              KvView* out) override;
  Status read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                     KvChunkView* out) override;
  Status commit(uint64_t) override { return Status::Ok(); }

 private:
  uint64_t head_index(uint32_t layer, KvKind kind, uint32_t head) const {
    return (static_cast<uint64_t>(layer) * 2 + static_cast<uint32_t>(kind)) * g_.heads + head;
  }
  uint8_t* head_base(uint32_t layer, KvKind kind, uint32_t head) const;
  float* head_scales(uint32_t layer, KvKind kind, uint32_t head) const;
  // The width of the Vᵀ block that begins at slot `block_start` (a multiple of C):
  // C, or the positions left in the last.
  uint64_t value_block_width(uint64_t block_start) const;
  KvGeometry g_;
  uint8_t* data_;
};

}  // namespace ringrt
