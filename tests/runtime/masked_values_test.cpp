// Causality whatever a masked key holds: a key whose query, key or value is NaN or
// Inf changes nothing for the queries that cannot see it. Its probability is 0 for
// them, and the worker ring must not multiply that 0 by its value (0 x Inf = NaN).
// Both paths (the query ring for long rounds, the key split for short ones), causal
// and windowed masks, memory and file stores: the outputs of the queries before the
// bad key (or outside its window) equal a run without it, within float rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "arena.hpp"
#include "arena_layout.hpp"
#include "kv_store.hpp"
#include "kv_store_file.hpp"
#include "runtime_fixture.hpp"
#include "thread_pool.hpp"
#include "worker_ring.hpp"
#include "worker_ring_buffers.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt::test {
namespace {

struct Shape {
  uint32_t workers, chunk, heads, kv_heads, head_dim;
};

// A worker ring over one layer of KV in a memory or a file store, its buffers carved
// as the session carves them (worker_ring_buffers.hpp).
class MaskRig {
 public:
  // `file` empty: a memory store.
  void init(const Shape& s, const AttentionRule& rule, uint64_t tokens, const std::string& file) {
    s_ = s;
    T_ = tokens;
    ASSERT_TRUE(ensure_xnnpack_initialized().ok());
    W_ = (s.heads + 2 * s.kv_heads) * s.head_dim;
    const RingGeometry g{s.workers, s.chunk, s.heads, s.kv_heads, s.head_dim, static_cast<uint32_t>(W_)};
    WorkerRingSizes sizes;
    ASSERT_TRUE(size_worker_ring(g, &sizes).ok());
    const uint64_t capacity = (tokens + s.chunk - 1) / s.chunk * s.chunk;
    const KvGeometry kv{1, s.kv_heads, s.head_dim, capacity, s.chunk, s.heads * s.head_dim};
    const uint64_t H = static_cast<uint64_t>(s.heads) * s.head_dim;
    PlanEntry e[] = {{"scores", sizes.scores, 0},
                     {"softmax", sizes.softmax, 0},
                     {"queries", sizes.queries, 0},
                     {"slot_buffers", sizes.slot_buffers, 0},
                     {"query_blocks", sizes.query_blocks, 0},
                     {"qkv", xnn_buffer_bytes(tokens * W_), 0},
                     {"attention", xnn_buffer_bytes(tokens * H), 0},
                     {"kv", xnn_buffer_bytes(file.empty() ? kv.bytes() / sizeof(float) : FileKvStore::staging_floats(kv)), 0}};
    ASSERT_TRUE(arena_.allocate(lay_out_arena(e, sizeof e / sizeof e[0])).ok());
    auto at = [&](int i) { return arena_.at(e[i].offset); };
    const WorkerRingMemory memory{at(0), at(1), at(2), at(3), at(4)};
    ASSERT_TRUE(buffers_.carve(g, sizes, memory).ok());
    qkv_ = reinterpret_cast<float*>(at(5));
    attention_ = reinterpret_cast<float*>(at(6));
    float* kv_memory = reinterpret_cast<float*>(at(7));
    if (file.empty()) {
      store_.reset(new MemoryKvStore(kv, kv_memory));
    } else {
      FileKvStore* f = new FileKvStore(kv, kv_memory);
      store_.reset(f);
      uint64_t committed = 0;
      ASSERT_TRUE(f->open(file.c_str(), FileStoreIdentity{1, 2}, false, &committed).ok());
    }
    ASSERT_TRUE(threads_.init(s.workers).ok());
    ring_.bind(g, rule, nullptr, buffers_.slots(), buffers_.workers(), buffers_.queries(), store_.get(), &threads_);
    ready_ = true;
  }

  // Writes the KV of every position, then runs the queries [start, start + rows)
  // against keys [0, start + rows); returns their attention rows.
  std::vector<float> run(const std::vector<float>& qkv, uint64_t start, std::size_t rows, RowAssignment a) {
    const std::size_t H = static_cast<std::size_t>(s_.heads) * s_.head_dim;
    std::vector<float> out(rows * H, -1.0f);
    if (!ready_) return out;
    std::memcpy(qkv_, qkv.data(), qkv.size() * sizeof(float));
    EXPECT_TRUE(store_->write(0, 0, T_, qkv_, W_).ok());
    ring_.set_row_assignment(a);
    const Status st = ring_.run(0, start, rows, qkv_ + start * W_, attention_, start + rows);
    EXPECT_TRUE(st.ok()) << st.message();
    std::memcpy(out.data(), attention_, out.size() * sizeof(float));
    return out;
  }

  std::size_t row_floats() const { return W_; }

 private:
  Shape s_{};
  uint64_t T_ = 0;
  std::size_t W_ = 0;
  Arena arena_;  // first: released after the operators that live in it
  WorkerRingBuffers buffers_;
  std::unique_ptr<KvStore> store_;
  ThreadPool threads_;
  WorkerRing ring_;
  float* qkv_ = nullptr;
  float* attention_ = nullptr;
  bool ready_ = false;
};

std::vector<float> random_qkv(std::size_t floats, uint64_t seed) {
  std::vector<float> x(floats);
  uint64_t state = seed;
  for (float& v : x) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<float>(static_cast<double>(state >> 40) * (2.0 / 16777216.0) - 1.0);
  }
  return x;
}

AttentionRule rule_of(uint32_t window, float softcap, uint32_t head_dim) {
  AttentionRule r;
  r.window = window;
  r.softcap = softcap;
  r.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  return r;
}

struct Poison {
  const char* name;
  float value;
  bool query, key, value_row;
};

const Poison kPoisons[] = {
    {"value NaN", NAN, false, false, true},
    {"value +Inf", INFINITY, false, false, true},
    {"value -Inf", -INFINITY, false, false, true},
    {"key NaN", NAN, false, true, false},
    {"key +Inf", INFINITY, false, true, false},
    {"query, key and value NaN", NAN, true, true, true},
};

// Runs the clean and the poisoned qkv (token `bad`) through one rig and checks every
// query that cannot see `bad`: finite, and equal to the clean run within rounding.
void expect_unseen_queries_unchanged(MaskRig& rig, const Shape& s, const AttentionRule& rule, uint64_t tokens,
                                     uint64_t start, std::size_t rows, uint64_t bad, RowAssignment a,
                                     const std::string& what) {
  const std::size_t W = rig.row_floats(), N = s.heads, G = s.kv_heads, D = s.head_dim, H = N * D;
  const std::vector<float> clean_qkv = random_qkv(tokens * W, 7 + bad);
  const std::vector<float> clean = rig.run(clean_qkv, start, rows, a);
  for (const Poison& p : kPoisons) {
    std::vector<float> qkv = clean_qkv;
    float* row = qkv.data() + bad * W;
    for (std::size_t c = 0; c < W; ++c) {
      const bool q = c < N * D, k = !q && c < (N + G) * D;
      if ((q && p.query) || (k && p.key) || (!q && !k && p.value_row)) row[c] = p.value;
    }
    const std::vector<float> got = rig.run(qkv, start, rows, a);
    std::size_t unseen = 0, seen_bad = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      uint64_t lo, hi;
      rule.visible(start + r, start + rows, &lo, &hi);
      const bool sees = bad >= lo && bad < hi;
      bool finite = true;
      double diff = 0.0;
      for (std::size_t c = 0; c < H; ++c) {
        finite = finite && std::isfinite(got[r * H + c]);
        diff = std::max(diff, std::fabs(static_cast<double>(got[r * H + c]) - clean[r * H + c]));
      }
      if (sees) {
        seen_bad += !finite;
        continue;
      }
      ++unseen;
      ASSERT_TRUE(finite) << what << ", " << p.name << " at token " << bad << ": query " << start + r
                          << " does not see it but its output is not finite";
      EXPECT_LE(diff, 2e-6) << what << ", " << p.name << " at token " << bad << ": query " << start + r;
    }
    EXPECT_GT(unseen, 0u) << what;
    // A query that sees a NaN or Inf key, value or query gets a non-finite output (it
    // is not silently dropped): the session turns that into an error.
    if (p.value_row || p.query) {
      EXPECT_GT(seen_bad, 0u) << what << ", " << p.name;
    }
  }
}

// The query ring (rounds of more than 64 rows): a bad token on the diagonal chunk of
// worker 0, of the last worker, and at the round's end; contiguous and striped rows.
TEST(MaskedValues, QueryRingKeepsEarlierQueriesExact) {
  TempDir dir;
  const uint32_t C = 72;
  for (uint32_t P : {1u, 2u, 3u}) {
    const Shape s{P, C, 4, 2, 16};
    const uint64_t T = static_cast<uint64_t>(P) * C;  // one round: every worker's rows
    for (const std::string& store : {std::string(), dir.file("kv" + std::to_string(P))}) {
      const AttentionRule rule = rule_of(0, 0.0f, s.head_dim);
      MaskRig rig;
      rig.init(s, rule, T, store);
      for (uint64_t bad : {uint64_t{10}, T - C + 5, T - 1}) {
        for (RowAssignment a : {RowAssignment::kContiguous, RowAssignment::kStriped}) {
          const std::string what = std::to_string(P) + " workers, " + (store.empty() ? "memory" : "file") +
                                   " store, " + (a == RowAssignment::kStriped ? "striped" : "contiguous");
          expect_unseen_queries_unchanged(rig, s, rule, T, 0, T, bad, a, what);
        }
      }
    }
  }
}

// The key split (rounds of at most 64 rows, after a history): the bad token early
// in the round, and its last token.
TEST(MaskedValues, KeySplitKeepsEarlierQueriesExact) {
  TempDir dir;
  for (uint32_t P : {1u, 2u, 3u}) {
    const Shape s{P, 64, 4, 4, 8};
    const uint64_t history = 70, rows = 40, T = history + rows;
    for (const std::string& store : {std::string(), dir.file("kv" + std::to_string(P))}) {
      const AttentionRule rule = rule_of(0, 0.0f, s.head_dim);
      MaskRig rig;
      rig.init(s, rule, T, store);
      for (uint64_t bad : {history + 3, T - 1}) {
        const std::string what = std::to_string(P) + " workers, " + (store.empty() ? "memory" : "file") + " store";
        expect_unseen_queries_unchanged(rig, s, rule, T, history, rows, bad, RowAssignment::kContiguous, what);
      }
    }
  }
}

// A sliding window hides a key from the queries far after it too: a bad token that
// has left their window changes nothing for them (both paths, with a soft cap).
TEST(MaskedValues, WindowEdgeKeepsLaterQueriesExact) {
  const uint32_t D = 8, window = 20;
  for (uint32_t P : {1u, 2u}) {
    const Shape s{P, 80, 2, 1, D};
    const AttentionRule rule = rule_of(window, 5.0f, D);
    {  // query ring: one round of P * 80 rows; queries 50 .. 79 no longer see token 30
      const uint64_t T = static_cast<uint64_t>(P) * 80;
      MaskRig rig;
      rig.init(s, rule, T, "");
      expect_unseen_queries_unchanged(rig, s, rule, T, 0, T, 30, RowAssignment::kContiguous,
                                      std::to_string(P) + " workers, query ring, window");
    }
    {  // key split: 30 rows after a history of 50, the bad key early in the history
      const uint64_t T = 80;
      MaskRig rig;
      rig.init(s, rule, T, "");
      expect_unseen_queries_unchanged(rig, s, rule, T, 50, 30, 40, RowAssignment::kContiguous,
                                      std::to_string(P) + " workers, key split, window");
    }
  }
}

}  // namespace
}  // namespace ringrt::test
