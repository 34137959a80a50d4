// The ring scheduler: exact attention of one round of queries against the KV
// history, on P workers in lockstep (causal or not, with an optional sliding window,
// soft-capped scores, attention sinks and grouped-query heads: attention_rule.hpp).
//
// The round's R query rows are assigned to A <= P workers in contiguous blocks (the
// default: the ring's entry lag already balances the causal work, see RowAssignment)
// or striped (set_row_assignment: row r to worker r mod A, as Striped Attention
// does, so every worker sees nearly the same keys). At the start of a round each
// worker copies its rows' queries, transposed, into blocks of kAttentionBlockRows rows
// (its query_t buffer), and keeps its running outputs the same way (output_t); at the
// end it writes them, normalised, to its rows of the attention buffer, contiguously
// (worker-major), so no two workers ever write neighbouring rows (interleaved rows
// cost the striped ring 8% through cache lines moving between cores); finish_round
// then puts the striped rows in order, in place, each worker moving a band of columns.
// KV chunk i (positions [iC, iC + C)) is read from the store into a ring slot at
// step i - 1 and enters the ring at the last worker at step i; at every step each
// worker runs the fused attention kernel (kernels/attention_block.hpp) for its blocks
// and every head against the chunk it holds (online softmax), then the chunk moves one
// worker down. With A + 1 slots the next chunk is read (split across the workers)
// while the current ones are used; each chunk is read once per round, nothing is
// packed, and every worker and every query head of a kv head uses the same read.
// Chunks a worker's rows cannot see (above its causal diagonal, or before its window)
// are skipped; chunks no worker can see never enter the ring; within a chunk a worker
// uses, only its blocks with a row that sees some key of it are computed. A masked key
// never reaches a query, whatever its value holds (the kernel's contract).
#pragma once

#include <cstddef>
#include <cstdint>

#include "attention_block.hpp"
#include "attention_row.hpp"
#include "attention_rule.hpp"
#include "kv_store.hpp"
#include "thread_pool.hpp"

namespace ringrt {

struct RingGeometry {
  uint32_t workers;     // P
  uint32_t chunk;       // C
  uint32_t heads;       // query heads N
  uint32_t kv_heads;    // G: query head j uses kv head j / (N / G)
  uint32_t head_dim;    // D
  uint32_t qkv_stride;  // floats per qkv row: Q (N·D), then K and V (G·D each)
  // Scratch floats one KV store read needs (KvGeometry::read_floats); 0: C·D.
  uint32_t kv_read_floats = 0;
  std::size_t read_floats() const { return kv_read_floats ? kv_read_floats : static_cast<std::size_t>(chunk) * head_dim; }
};

// Rounds of at most this many rows use the key split (see run_key_split), and of
// at most kStreamRows the streaming kernel within it.
constexpr std::size_t kKeySplitRows = 64;
constexpr std::size_t kStreamRows = 4;

// One ring slot: the chunk it holds, as read from the store for every kv head.
struct RingSlot {
  KvView* views;   // 2 * kv_heads: [2g] = K of kv head g (rows of D), [2g + 1] = its Vᵀ
  float* scratch;  // 2 * kv_heads reads (RingGeometry::read_floats each) for the reads that copy or decode
};

// Floats of one worker's transposed queries (and as many for its running outputs):
// D x kAttentionBlockRows per head and per block of `rows` rows.
inline std::size_t query_block_floats(const RingGeometry& g, std::size_t rows) {
  const std::size_t blocks = (rows + kAttentionBlockRows - 1) / kAttentionBlockRows;
  return blocks * g.heads * g.head_dim * kAttentionBlockRows;
}
// ... for the most rows a worker holds: a ring worker's (at most C) or the key split's.
inline std::size_t query_block_floats(const RingGeometry& g) {
  return query_block_floats(g, g.chunk > kKeySplitRows ? g.chunk : kKeySplitRows);
}

// Per-worker working buffers. M = max(C, kKeySplitRows).
struct RingWorkerBuffers {
  float* scores;   // the fused kernel's scratch (attention_block_scratch_floats(C, D))
  float* query_t;  // query_block_floats: block b, head j at (b * heads + j) * D * kAttentionBlockRows
  float* output_t; // the same layout: running outputs (the ring's rows, or every row of a key split;
                   // a streaming round's as rows of heads * D)
  float* state;    // heads * M running max, then heads * M running sum
};

// Which worker computes which query row of a round (the query ring only; the key
// split for short rounds divides the keys, not the rows). Sessions use contiguous
// blocks: a chunk reaches worker w (A - 1 - w) steps after it enters the ring, which
// is exactly the causal work the lower blocks do not have, so the ring is already
// balanced (busy-time imbalance 1.0% at T = 16K, 2 workers; striped 0.4% but 1-5%
// slower: bench/README.md, case "balance").
enum class RowAssignment {
  kContiguous,  // worker w: rows [w B, (w + 1) B), B = ceil(R / P)
  kStriped,     // worker w: rows w, w + A, w + 2A, ... (A = min(P, R))
};

// What one worker of the query ring did, summed over rounds since the last
// clear_worker_stats(). Counting costs two clock reads per step and worker.
struct RingWorkerStats {
  double busy_seconds;       // inside attend() and prepare_share() (CLOCK_MONOTONIC)
  uint64_t chunks;           // KV chunks attended (rows that see none of a chunk are skipped)
  uint64_t computed_scores;  // (query row, key) score entries computed, per head
  uint64_t visible_pairs;    // of those, the ones the mask lets through, per head
};

class WorkerRing {
 public:
  // `slots` has workers + 1 entries, `buffers` has workers entries; `queries`
  // holds query_block_floats(g, kKeySplitRows) floats (the key split's, transposed); `sinks` is null or holds layers * heads
  // logits.
  void bind(const RingGeometry& g, const AttentionRule& rule, const float* sinks, RingSlot* slots,
            RingWorkerBuffers* buffers, float* queries, KvStore* store, ThreadPool* threads);

  // attention[r] (row stride N·D) = attention of query row r (position start + r, read
  // from qkv) over the keys [0, keys_end) the rule lets it see; keys_end is
  // start + rows for a causal stream. The KV of those keys must be in the store.
  Status run(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, float* attention,
             uint64_t keys_end);

  // The same attention in phases, for a distributed round (rank_ring.hpp):
  // begin_round, attend_local (the local store, causal as in run), any number of
  // attend_external (a chunk of KV from another rank, every key visible to every
  // row), then finish_round. Always the query ring, whatever the row count.
  Status begin_round(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, float* attention,
                     uint64_t keys_end);
  Status attend_local();
  // `keys`: heads blocks of n rows of D floats, `key_stride` floats apart per head;
  // `values_t`: heads blocks of Vᵀ, D rows of n floats (row stride `v_row_stride`),
  // `value_stride` floats apart per head.
  struct ExternalChunk {
    const float* keys;
    std::size_t key_stride;
    const float* values_t;
    std::size_t value_stride;
    std::size_t v_row_stride;
    std::size_t n;
  };
  Status attend_external(const ExternalChunk& chunk);
  void finish_round();

  // Takes effect at the next round. Both assignments compute the same attention
  // (up to float rounding in the order of the sums).
  void set_row_assignment(RowAssignment a) { assignment_ = a; }
  RowAssignment row_assignment() const { return assignment_; }

  // Per-worker statistics of the query ring: `workers` entries. Written by the
  // workers during a round; read them between rounds.
  const RingWorkerStats* worker_stats() const { return stats_; }
  void clear_worker_stats();

 private:
  // Short rounds (streaming a few tokens at a time): every worker takes a contiguous
  // P-th of the visible KV chunks for all the round's queries (the fused kernel, as
  // in the ring, or the streaming kernel), so each chunk is read once per round by
  // one worker; the workers' softmax states are merged at the end. Exact like the ring.
  Status run_key_split(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, float* attention,
                       uint64_t keys_end);
  static constexpr std::size_t kMaxWorkers = 64;
  // The state of one key-split round (a member, like round_: nothing per round on a stack).
  struct Split {
    WorkerRing* self;
    uint32_t layer;
    uint64_t end;  // keys [0, end)
    std::size_t rows;
    const float* qkv;
    float* attention;
    uint64_t chunk0, chunks;  // KV chunks chunk0 .. chunk0 + chunks - 1 hold visible keys
    uint64_t lo[kKeySplitRows], hi[kKeySplitRows];  // query q sees keys [lo[q], hi[q])
    uint64_t all_lo, all_hi;                         // keys every query sees: [all_lo, all_hi)
    bool streaming;                                  // rows <= kStreamRows: the streaming kernel
    Status status[kMaxWorkers];                      // per worker, first failure
    // The keys of the chunk from key0 (chunks of C), and whether some query sees
    // only part of them (else every query sees the whole chunk: most of the history).
    std::size_t keys_from(uint64_t key0, std::size_t C) const {
      return static_cast<std::size_t>(end - key0 < C ? end - key0 : C);
    }
    bool masks(uint64_t key0, std::size_t nk) const { return !(key0 >= all_lo && key0 + nk <= all_hi); }
  };
  static void split_setup_item(void* ctx, std::size_t worker);
  static void split_chunks_item(void* ctx, std::size_t worker);
  static void split_merge_item(void* ctx, std::size_t part);
  Status split_chunk(Split& sp, std::size_t worker, uint64_t chunk);
  // A streaming round's chunks [c0, c1) of kv head g: every row and query head of g,
  // each chunk as stored.
  Status stream_head(Split& sp, std::size_t worker, std::size_t g, uint64_t c0, uint64_t c1);
  // A streaming round's chunks [c0, c1) of every kv head, in the store's read order.
  Status stream_share(Split& sp, std::size_t worker, uint64_t c0, uint64_t c1);

  struct Round {
    WorkerRing* self;
    uint32_t layer;
    uint64_t start;          // position of query row 0
    uint64_t end;            // keys [0, end) exist
    const float* qkv;
    float* attention;
    std::size_t active;      // A: workers with queries this round
    std::size_t rows;
    // Worker w's k-th row is round row row0[w] + k * row_step, k < nrows[w]; until
    // finish_round its accumulator is attention row acc0[w] + k (the rows of
    // worker 0, then those of worker 1, ...: the contiguous layout).
    std::size_t row_step;                 // 1 (contiguous) or A (striped)
    std::size_t row0[kMaxWorkers];
    std::size_t nrows[kMaxWorkers];
    std::size_t acc0[kMaxWorkers];
    uint64_t first_chunk[kMaxWorkers];  // first KV chunk each worker can see
    uint64_t last_chunk[kMaxWorkers];   // last KV chunk each worker can see
    uint64_t step;                      // current step (read by step_item)
    uint64_t chunk0;                    // first KV chunk entering the ring this round
    uint64_t chunks;                    // KV chunks entering: chunk0 .. chunk0 + chunks - 1
    Status status[kMaxWorkers];        // per worker, first failure
    const ExternalChunk* external;     // the chunk attend_external is using
  };
  static void step_item(void* ctx, std::size_t worker);
  static void external_item(void* ctx, std::size_t worker);
  Status round_status() const;
  Status prepare_share(const Round& round, uint64_t chunk, std::size_t worker);
  // Chunks holding keys some row of [first_pos, last_pos] can see: [*lo, *hi].
  void visible_chunks(uint64_t first_pos, uint64_t last_pos, uint64_t keys_end, uint64_t* lo, uint64_t* hi) const;
  // Head j's sink logit in `layer`, or -inf without sinks.
  float sink(uint32_t layer, std::size_t head) const {
    return sinks_ ? sinks_[static_cast<std::size_t>(layer) * g_.heads + head] : -INFINITY;
  }
  std::size_t kv_head(std::size_t head) const { return head / (g_.heads / g_.kv_heads); }
  // One worker's rows against a chunk (`views` as in RingSlot; n keys from position
  // key0); `all_visible`: no mask, else the rule's.
  void attend(const Round& round, std::size_t worker, const KvView* views, uint64_t key0, std::size_t nk,
              bool all_visible);
  // A worker's rows at the start of a round: queries transposed into its blocks,
  // outputs and softmax state cleared.
  static void start_rows_item(void* ctx, std::size_t worker);
  // ... and at the end: outputs normalised into its rows of the attention buffer.
  void finish_rows(const Round& round, std::size_t worker);
  // Query row k (heads * D floats at q) into lane k % B of block k / B of `blocks`.
  void transpose_query_row(const float* q, std::size_t k, float* blocks) const;
  // Floats of the transposed blocks of `rows` rows.
  std::size_t query_blocks_floats(std::size_t rows) const { return query_block_floats(g_, rows); }
  // The kernel's arguments every block of a chunk of nk keys shares.
  AttentionBlock block_template(std::size_t nk, float* scratch) const;
  // Keys [lo, hi) as a range of the chunk of nk keys from key0 (empty: lo >= hi).
  static void chunk_key_range(uint64_t lo, uint64_t hi, uint64_t key0, std::size_t nk, uint32_t* chunk_lo,
                              uint32_t* chunk_hi);
  // Striped rounds: moves columns [band of `part`] of every accumulator row from its
  // worker-major row to its round row (in place, cycle by cycle).
  static void unstripe_item(void* ctx, std::size_t part);

  // Running max -inf and running sum 0 for every head and row of a worker's state.
  void reset_state(float* state) const;
  // Rows of each per-head softmax state array: max(C, kKeySplitRows).
  std::size_t state_rows() const { return g_.chunk > kKeySplitRows ? g_.chunk : kKeySplitRows; }

  RingGeometry g_{};
  AttentionRule rule_{};
  const float* sinks_ = nullptr;
  RingSlot* slots_ = nullptr;
  RingWorkerBuffers* buffers_ = nullptr;
  float* queries_ = nullptr;
  KvStore* store_ = nullptr;
  ThreadPool* threads_ = nullptr;
  Round round_;  // the round begun by begin_round
  Split split_;  // the key split's round
  RowAssignment assignment_ = RowAssignment::kContiguous;
  RingWorkerStats stats_[kMaxWorkers] = {};
};

}  // namespace ringrt
