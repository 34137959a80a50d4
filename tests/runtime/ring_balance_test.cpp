// The query ring's row assignment (worker_ring.hpp): striped and contiguous (the
// default) rows compute the same attention, both equal to a double-precision
// reference, for causal and windowed masks, grouped-query heads, soft caps and
// sinks, rounds of any size and 1-3 workers; striped rows balance the causal work
// (counted per worker: (row, key) pairs); sessions (contiguous rows) match
// the model reference. The runs of chunk reads the ring announces to the store
// (KvStore::will_read) are the chunks it then reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kv_store.hpp"
#include "worker_ring.hpp"
#include "worker_ring_buffers.hpp"
#include "runtime_fixture.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt::test {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using Block = std::unique_ptr<uint8_t, FreeDeleter>;

// 64-byte aligned, zeroed, with room for XNNPACK's reads past the end.
Block aligned_block(std::size_t bytes) {
  const std::size_t size = (bytes + 256 + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, size);
  if (p) std::memset(p, 0, size);
  return Block(static_cast<uint8_t*>(p));
}

struct Geometry {
  uint32_t workers, chunk, heads, kv_heads, head_dim;
};

// A WorkerRing over a one-layer memory KV store, wired as SessionImpl::init
// wires it: sized by size_worker_ring, carved by WorkerRingBuffers.
class SchedulerRig {
 public:
  // K/V/Q of positions [0, tokens): qkv rows of (N + 2G) D floats, uniform in [-1, 1).
  void init(const Geometry& g, const AttentionRule& rule, bool sinks, uint64_t tokens, uint64_t seed) {
    g_ = g;
    T_ = tokens;
    ASSERT_TRUE(ensure_xnnpack_initialized().ok());
    const std::size_t P = g.workers, C = g.chunk, N = g.heads, G = g.kv_heads, D = g.head_dim;
    W_ = (N + 2 * G) * D;
    const RingGeometry rg = ring_geometry();
    WorkerRingSizes sizes;
    ASSERT_TRUE(size_worker_ring(rg, &sizes).ok());
    const WorkerRingMemory memory{bytes_of(sizes.scores), bytes_of(sizes.softmax), bytes_of(sizes.queries),
                                  bytes_of(sizes.slot_buffers), bytes_of(sizes.query_blocks)};
    buffers_.reset(new WorkerRingBuffers);
    ASSERT_TRUE(buffers_->carve(rg, sizes, memory).ok());
    const uint64_t capacity = (tokens + C - 1) / C * C;
    store_.reset(new MemoryKvStore(KvGeometry{1, static_cast<uint32_t>(G), static_cast<uint32_t>(D), capacity,
                                              static_cast<uint32_t>(C), static_cast<uint32_t>(N * D)},
                                   floats(2 * G * capacity * D)));
    ASSERT_TRUE(threads_.init(P).ok());

    qkv_ = floats(tokens * W_);
    uint64_t state = seed;
    for (std::size_t i = 0; i < tokens * W_; ++i) {
      uint64_t z = (state += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      qkv_[i] = static_cast<float>(static_cast<double>(z >> 40) * (2.0 / 16777216.0) - 1.0);
    }
    ASSERT_TRUE(store_->write(0, 0, tokens, qkv_, W_).ok());
    sinks_.clear();
    if (sinks) {
      for (std::size_t j = 0; j < N; ++j) sinks_.push_back(0.25f * static_cast<float>(j) - 0.3f);
    }
    rule_ = rule;
    read_through(store_.get());
    ready_ = true;
  }

  // Attention of every position in [0, T), in consecutive rounds of the given sizes
  // (cycled), each through the query ring: rounds [s, s + R) see keys [0, s + R).
  std::vector<float> run(RowAssignment a, const std::vector<std::size_t>& round_sizes) {
    const std::size_t H = static_cast<std::size_t>(g_.heads) * g_.head_dim;
    std::vector<float> out(T_ * H, NAN);
    if (!ready_) return out;
    ring_.set_row_assignment(a);
    float* attention = floats(g_.workers * g_.chunk * H);
    std::size_t i = 0;
    for (uint64_t s = 0; s < T_; ++i) {
      std::size_t R = round_sizes[i % round_sizes.size()];
      R = std::min<std::size_t>(R, T_ - s);
      Status st = ring_.begin_round(0, s, R, qkv_ + s * W_, attention, s + R);
      if (st.ok()) st = ring_.attend_local();
      EXPECT_TRUE(st.ok()) << st.message();
      if (!st.ok()) return out;
      ring_.finish_round();
      std::memcpy(out.data() + s * H, attention, R * H * sizeof(float));
      s += R;
    }
    return out;
  }

  // Double-precision attention of position t over keys [0, keys_end), the rule
  // written out independently of AttentionRule::visible.
  void reference(uint64_t t, uint64_t keys_end, double* out) const {
    const std::size_t N = g_.heads, G = g_.kv_heads, D = g_.head_dim;
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t g = j / (N / G);
      const float* q = qkv_ + t * W_ + j * D;
      std::vector<double> logits;
      std::vector<uint64_t> keys;
      for (uint64_t k = 0; k < keys_end; ++k) {
        if (rule_.causal && k > t) continue;
        if (rule_.window) {
          const uint64_t dist = k > t ? k - t : t - k;
          if (dist >= rule_.window) continue;
        }
        const float* key = qkv_ + k * W_ + N * D + g * D;
        double s = 0;
        for (std::size_t d = 0; d < D; ++d) s += static_cast<double>(q[d]) * key[d];
        s *= scale;
        if (rule_.softcap > 0) s = rule_.softcap * std::tanh(s / rule_.softcap);
        logits.push_back(s);
        keys.push_back(k);
      }
      double m = sinks_.empty() ? -INFINITY : sinks_[j];
      for (double l : logits) m = std::max(m, l);
      double sum = sinks_.empty() ? 0.0 : std::exp(sinks_[j] - m);
      for (double l : logits) sum += std::exp(l - m);
      for (std::size_t d = 0; d < D; ++d) out[j * D + d] = 0;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const double p = std::exp(logits[i] - m) / sum;
        const float* v = qkv_ + keys[i] * W_ + (N + G) * D + g * D;
        for (std::size_t d = 0; d < D; ++d) out[j * D + d] += p * v[d];
      }
    }
  }

  // Max |out - reference| over positions [0, T), rounds as in run().
  double reference_error(const std::vector<float>& out, const std::vector<std::size_t>& round_sizes) const {
    const std::size_t H = static_cast<std::size_t>(g_.heads) * g_.head_dim;
    std::vector<double> ref(H);
    double worst = 0;
    std::size_t i = 0;
    for (uint64_t s = 0; s < T_; ++i) {
      const std::size_t R = std::min<std::size_t>(round_sizes[i % round_sizes.size()], T_ - s);
      for (uint64_t t = s; t < s + R; ++t) {
        reference(t, s + R, ref.data());
        for (std::size_t c = 0; c < H; ++c) {
          const double e = std::fabs(out[t * H + c] - ref[c]);
          worst = std::isnan(e) ? 1e9 : std::max(worst, e);
        }
      }
      s += R;
    }
    return worst;
  }

  WorkerRing& ring() { return ring_; }
  KvStore* store() { return store_.get(); }
  // The ring reads through `store` from now on (store(), or a wrapper of it).
  void read_through(KvStore* store) {
    ring_.bind(ring_geometry(), rule_, sinks_.empty() ? nullptr : sinks_.data(), buffers_->slots(), buffers_->workers(),
               buffers_->queries(), store, &threads_);
  }
  // One round of rows [start, start + rows) (at most workers * chunk), keys [0, start +
  // rows): through WorkerRing::run (the key split, up to kKeySplitRows rows), or
  // always the query ring.
  Status run_rows(uint64_t start, std::size_t rows, bool query_ring) {
    std::vector<float> attention(rows * g_.heads * g_.head_dim);
    const float* qkv = qkv_ + start * W_;
    if (!query_ring) return ring_.run(0, start, rows, qkv, attention.data(), start + rows);
    Status st = ring_.begin_round(0, start, rows, qkv, attention.data(), start + rows);
    if (st.ok()) st = ring_.attend_local();
    if (st.ok()) ring_.finish_round();
    return st;
  }

 private:
  RingGeometry ring_geometry() const {
    return RingGeometry{g_.workers, g_.chunk, g_.heads, g_.kv_heads, g_.head_dim, static_cast<uint32_t>(W_)};
  }
  float* floats(std::size_t n) { return reinterpret_cast<float*>(bytes_of(n * sizeof(float))); }
  uint8_t* bytes_of(std::size_t n) {
    blocks_.push_back(aligned_block(n));
    return blocks_.back().get();
  }

  // Memory first: released after the operators that live in it.
  std::vector<Block> blocks_;
  std::unique_ptr<WorkerRingBuffers> buffers_;
  std::unique_ptr<MemoryKvStore> store_;
  ThreadPool threads_;
  WorkerRing ring_;
  Geometry g_{};
  AttentionRule rule_{};
  std::vector<float> sinks_;
  uint64_t T_ = 0;
  std::size_t W_ = 0;
  float* qkv_ = nullptr;
  bool ready_ = false;
};

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double e = std::fabs(static_cast<double>(a[i]) - b[i]);
    worst = std::isnan(e) ? 1e9 : std::max(worst, e);
  }
  return worst;
}

struct RuleCase {
  const char* name;
  AttentionRule rule;
  uint32_t kv_heads;
  bool sinks;
};

AttentionRule make_rule(bool causal, uint32_t window, float softcap, uint32_t head_dim) {
  AttentionRule r;
  r.causal = causal;
  r.window = window;
  r.softcap = softcap;
  r.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  return r;
}

// (max - min) / max of one field over the first `workers` entries.
template <typename F>
double imbalance(const RingWorkerStats* s, std::size_t workers, F field) {
  double lo = 1e300, hi = 0;
  for (std::size_t w = 0; w < workers; ++w) {
    const double v = static_cast<double>(field(s[w]));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > 0 ? (hi - lo) / hi : 0;
}

TEST(RingBalance, ContiguousIsTheDefault) {  // measured the faster of the two (bench case "balance")
  WorkerRing ring;
  EXPECT_EQ(ring.row_assignment(), RowAssignment::kContiguous);
}

// Both assignments, every mask option, 1-3 workers, rounds of several sizes (T not
// a multiple of workers * chunk): the same outputs, and the reference's.
TEST(RingBalance, StripedAndContiguousMatchTheReference) {
  const uint32_t N = 4, D = 8;
  const std::vector<RuleCase> rules = {
      {"causal", make_rule(true, 0, 0, D), 4, false},
      {"causal gqa 4->2, window 13", make_rule(true, 13, 0, D), 2, false},
      {"causal mqa, window 21, cap 3, sinks", make_rule(true, 21, 3.0f, D), 1, true},
      {"causal gqa, window 70, sinks", make_rule(true, 70, 0, D), 2, true},
      {"not causal", make_rule(false, 0, 0, D), 4, false},
      {"not causal, window 9", make_rule(false, 9, 0, D), 2, false},
  };
  const uint64_t T = small_scale() ? 123 : 245;
  double worst_ref = 0, worst_pair = 0;
  for (const RuleCase& rc : rules) {
    for (uint32_t P : {1u, 2u, 3u}) {
      for (uint32_t C : {8u, 16u}) {
        SchedulerRig rig;
        rig.init(Geometry{P, C, N, rc.kv_heads, D}, rc.rule, rc.sinks, T, 17 + P * 31 + C);
        // Full rounds (the last partial), then mixed sizes down to one row.
        const std::size_t full = static_cast<std::size_t>(P) * C;
        for (const std::vector<std::size_t>& rounds :
             {std::vector<std::size_t>{full}, std::vector<std::size_t>{full - 1, 1, 7, full / 2 + 1, 2}}) {
          const std::vector<float> striped = rig.run(RowAssignment::kStriped, rounds);
          const std::vector<float> contiguous = rig.run(RowAssignment::kContiguous, rounds);
          const double pair = max_diff(striped, contiguous);
          const double e_s = rig.reference_error(striped, rounds);
          const double e_c = rig.reference_error(contiguous, rounds);
          const std::string what = std::string(rc.name) + ", " + std::to_string(P) + " workers, chunk " +
                                   std::to_string(C) + ", first round " + std::to_string(rounds[0]);
          EXPECT_LE(pair, 1e-5) << what;
          EXPECT_LE(e_s, 2e-5) << what << " (striped)";
          EXPECT_LE(e_c, 2e-5) << what << " (contiguous)";
          worst_pair = std::max(worst_pair, pair);
          worst_ref = std::max({worst_ref, e_s, e_c});
        }
      }
    }
  }
  std::printf("[ balance ] T = %llu: max |striped - contiguous| = %.3g, max |err| vs double reference = %.3g\n",
              static_cast<unsigned long long>(T), worst_pair, worst_ref);
}

// Wide rows (H = 200: not a whole number of cache lines, and more than 64 columns
// per worker's band when finish_round puts striped rows in order).
TEST(RingBalance, WideRowsAndUnevenRounds) {
  const uint32_t N = 4, D = 50;
  const uint64_t T = 101;
  for (uint32_t P : {2u, 3u}) {
    for (const AttentionRule& rule : {make_rule(true, 0, 0, D), make_rule(true, 17, 0, D)}) {
      SchedulerRig rig;
      rig.init(Geometry{P, 16, N, 2, D}, rule, true, T, 99 + P);
      for (const std::vector<std::size_t>& rounds :
           {std::vector<std::size_t>{P * 16u}, std::vector<std::size_t>{P * 16u - 1, 5, 3, 2, 1}}) {
        const std::vector<float> striped = rig.run(RowAssignment::kStriped, rounds);
        const std::vector<float> contiguous = rig.run(RowAssignment::kContiguous, rounds);
        EXPECT_LE(max_diff(striped, contiguous), 1e-5) << P << " workers, window " << rule.window;
        EXPECT_LE(rig.reference_error(striped, rounds), 2e-5) << P << " workers, window " << rule.window;
        EXPECT_LE(rig.reference_error(contiguous, rounds), 2e-5) << P << " workers, window " << rule.window;
      }
    }
  }
}

// One causal round of 512 rows on 2 workers (chunk 256): contiguous blocks give
// worker 1 three times worker 0's visible (row, key) pairs; striped rows split
// them evenly, and compute no more scores in total.
TEST(RingBalance, StripedBalancesTheCausalWorkOfARound) {
  const uint32_t P = 2, C = 256, N = 2, D = 16;
  const uint64_t R = 512;
  SchedulerRig rig;
  rig.init(Geometry{P, C, N, N, D}, make_rule(true, 0, 0, D), false, R, 3);
  struct Counts {
    uint64_t visible[2], computed[2];
  };
  auto measure = [&](RowAssignment a) {
    rig.ring().clear_worker_stats();
    rig.run(a, {R});
    const RingWorkerStats* s = rig.ring().worker_stats();
    return Counts{{s[0].visible_pairs, s[1].visible_pairs}, {s[0].computed_scores, s[1].computed_scores}};
  };
  const Counts c = measure(RowAssignment::kContiguous);
  const Counts s = measure(RowAssignment::kStriped);
  const uint64_t pairs = R * (R + 1) / 2;  // every causal (row, key) pair, once
  EXPECT_EQ(c.visible[0] + c.visible[1], pairs);
  EXPECT_EQ(s.visible[0] + s.visible[1], pairs);
  // Contiguous: rows [0, 256) see 256·257/2 pairs, rows [256, 512) 256·256 more.
  EXPECT_EQ(c.visible[0], 256u * 257 / 2);
  EXPECT_EQ(c.visible[1], 256u * 256 + 256u * 257 / 2);
  // Striped: even rows 1 + 3 + ... + 511 = 256², odd rows 2 + 4 + ... + 512 = 256·257.
  EXPECT_EQ(s.visible[0], 256u * 256);
  EXPECT_EQ(s.visible[1], 256u * 257);
  auto spread = [](const uint64_t v[2]) {
    return static_cast<double>(std::max(v[0], v[1]) - std::min(v[0], v[1])) / static_cast<double>(std::max(v[0], v[1]));
  };
  EXPECT_LT(spread(s.visible), 0.02);
  EXPECT_GT(spread(c.visible), 0.30);
  // Scores computed: rows above a chunk's diagonal are skipped, so striped computes
  // the same total as contiguous (1.5 chunk blocks per worker), evenly.
  EXPECT_EQ(s.computed[0], 256u * 256 + 128u * 256);
  EXPECT_EQ(s.computed[1], 256u * 256 + 128u * 256);
  EXPECT_EQ(c.computed[0] + c.computed[1], s.computed[0] + s.computed[1]);
  std::printf("[ balance ] causal round of 512, 2 workers: visible pairs contiguous %llu / %llu (%.1f%%), "
              "striped %llu / %llu (%.2f%%)\n",
              static_cast<unsigned long long>(c.visible[0]), static_cast<unsigned long long>(c.visible[1]),
              100 * spread(c.visible), static_cast<unsigned long long>(s.visible[0]),
              static_cast<unsigned long long>(s.visible[1]), 100 * spread(s.visible));
}

// A sequence of rounds (the history grows): striped stays balanced with a sliding
// window too; each worker's busy time is positive and within the run's wall time
// (its intervals are disjoint parts of it); clearing resets everything.
TEST(RingBalance, StatsOverAWholeSequence) {
  const uint32_t P = 2, C = 64, N = 2, D = 16;
  const uint64_t T = small_scale() ? 640 : 2000;  // rounds of 128, the last partial
  for (uint32_t window : {0u, 100u}) {
    SchedulerRig rig;
    rig.init(Geometry{P, C, N, N, D}, make_rule(true, window, 0, D), false, T, 5);
    uint64_t pairs = 0;
    for (uint64_t t = 0; t < T; ++t) pairs += window && t + 1 > window ? window : t + 1;
    for (RowAssignment a : {RowAssignment::kContiguous, RowAssignment::kStriped}) {
      rig.ring().clear_worker_stats();
      const auto t0 = std::chrono::steady_clock::now();
      rig.run(a, {P * C});
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const RingWorkerStats* s = rig.ring().worker_stats();
      EXPECT_EQ(s[0].visible_pairs + s[1].visible_pairs, pairs) << "window " << window;
      for (uint32_t w = 0; w < P; ++w) {
        EXPECT_GT(s[w].busy_seconds, 0.0);
        EXPECT_LE(s[w].busy_seconds, wall);
        EXPECT_GT(s[w].chunks, 0u);
      }
      const double spread = imbalance(s, P, [](const RingWorkerStats& x) { return x.visible_pairs; });
      if (a == RowAssignment::kStriped) {
        EXPECT_LT(spread, 0.01) << "window " << window;
      }
      std::printf("[ balance ] T = %llu, window %u, %s: visible-pair imbalance %.2f%%, busy %.4f / %.4f s\n",
                  static_cast<unsigned long long>(T), window,
                  a == RowAssignment::kStriped ? "striped" : "contiguous", 100 * spread, s[0].busy_seconds,
                  s[1].busy_seconds);
    }
    rig.ring().clear_worker_stats();
    const RingWorkerStats* s = rig.ring().worker_stats();
    for (uint32_t w = 0; w < P; ++w) {
      EXPECT_EQ(s[w].busy_seconds, 0.0);
      EXPECT_EQ(s[w].chunks + s[w].visible_pairs + s[w].computed_scores, 0u);
    }
  }
}

// Sessions use the default (striped) assignment: causal models, with a sliding
// window and grouped-query heads, against the double-precision model reference,
// whole sequences (rounds of workers * chunk, the last partial) and streams of
// 100-token appends (rounds that straddle the chunk grid).
TEST(RingBalance, SessionsMatchTheReference) {
  TempDir dir;
  const std::size_t T = small_scale() ? 130 : 250;
  struct ModelCase {
    const char* name;
    ModelOptions options;
  };
  const ModelCase models[] = {
      {"edifice-shaped causal", small_options(24, 32, 2, 2)},
      {"gqa 4->2, window 13", ring_encoder_options(24, 32, 4, 2, true, 2, 13)},
  };
  int n = 0;
  for (const ModelCase& md : models) {
    const TestModel m = make_model(dir, "b" + std::to_string(n++), md.options, 41);
    const std::vector<float> x = synthetic_input(T, 24, 9);
    const std::vector<double> ref = ringrt_ref::forward_all(m.options, m.weights, x.data(), T);
    const std::size_t E = m.options.embed_dim, H = m.options.hidden_size;
    double worst = 0;
    for (uint32_t workers : {1u, 2u, 3u}) {
      for (std::size_t piece : {T, std::size_t{100}}) {
        SessionOptions o;
        o.chunk = 48;  // rounds of 96 and 144 rows with 2 and 3 workers: the query ring (> 64 rows)
        o.workers = workers;
        o.max_context = T;
        std::unique_ptr<Session> s;
        Status st = Session::create(*m.model, o, &s);
        ASSERT_TRUE(st.ok()) << st.message();
        std::vector<float> all(T * H);
        for (std::size_t done = 0; done < T && st.ok(); done += piece) {
          const std::size_t k = std::min(piece, T - done);
          st = s->append(x.data() + done * E, k, E, all.data() + done * H);
        }
        ASSERT_TRUE(st.ok()) << st.message();
        const double err = ringrt_ref::max_abs_diff(all.data(), ref.data(), T * H);
        EXPECT_LE(err, 2e-5) << md.name << ", " << workers << " workers, pieces of " << piece;
        worst = std::max(worst, err);
      }
    }
    std::printf("[ balance ] session %-24s T = %zu, 1-3 workers: max |err| vs reference = %.3g\n", md.name, T,
                worst);
  }
}

// Forwards to a store and records, per round, the runs announced by will_read(), the
// first position of every chunk read, and each worker's reads in order; it asks for
// the read order `chunk_major` (KvStore::reads_chunk_major).
class ReadRunRecorder final : public KvStore {
 public:
  explicit ReadRunRecorder(KvStore* inner, bool chunk_major = false) : inner_(inner), chunk_major_(chunk_major) {}
  Status write(uint32_t layer, uint64_t start, std::size_t rows, const float* qkv, std::size_t stride) override {
    return inner_->write(layer, start, rows, qkv, stride);
  }
  Status read(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
              KvView* out) override {
    note_read(start, head, kind, scratch);
    return inner_->read(layer, head, kind, start, n, scratch, out);
  }
  Status read_stored(uint32_t layer, uint32_t head, KvKind kind, uint64_t start, std::size_t n, float* scratch,
                     KvChunkView* out) override {
    note_read(start, head, kind, scratch);
    return inner_->read_stored(layer, head, kind, start, n, scratch, out);
  }
  Status commit(uint64_t length) override { return inner_->commit(length); }
  void will_read(uint32_t, uint64_t first, uint64_t end) const override {
    std::lock_guard<std::mutex> lock(mu_);
    runs_.push_back({first, end});
  }
  bool reads_chunk_major() const override { return chunk_major_; }

  void clear() {
    runs_.clear();
    reads_.clear();
    sequences_.clear();
  }
  // Each worker's key reads (told apart by their scratch: a thread may run two
  // workers' items), as (chunk start, kv head) in the order it made them.
  typedef std::vector<std::pair<uint64_t, uint32_t>> Sequence;
  std::vector<Sequence> sequences() const {
    std::vector<Sequence> out;
    for (const auto& [id, seq] : sequences_) out.push_back(seq);
    return out;
  }
  // The chunk starts of the announced runs, in chunks of C; false if two runs overlap
  // or one starts off a chunk boundary.
  bool announced(uint64_t C, std::set<uint64_t>* chunks) const {
    for (const auto& [first, end] : runs_) {
      if (first % C != 0 || end <= first) return false;
      for (uint64_t p = first; p < end; p += C) {
        if (!chunks->insert(p).second) return false;
      }
    }
    return true;
  }
  const std::set<uint64_t>& reads() const { return reads_; }
  std::size_t runs() const { return runs_.size(); }

 private:
  void note_read(uint64_t start, uint32_t head, KvKind kind, const float* scratch) {
    std::lock_guard<std::mutex> lock(mu_);
    reads_.insert(start);
    if (kind == KvKind::kKey) sequences_[scratch].push_back({start, head});
  }
  KvStore* inner_;
  bool chunk_major_;
  std::map<const float*, Sequence> sequences_;  // by the reader's scratch: one per worker
  mutable std::mutex mu_;
  mutable std::vector<std::pair<uint64_t, uint64_t>> runs_;
  std::set<uint64_t> reads_;
};

std::string positions(const std::set<uint64_t>& s) {
  std::string out;
  for (uint64_t p : s) out += (out.empty() ? "" : " ") + std::to_string(p);
  return "{" + out + "}";
}

// Each round announces, before reading them, exactly the chunks it reads, as
// disjoint runs from a chunk start: the key split one run per worker's share (the
// file store's readahead then starts at every share, not only at chunk 0), the query
// ring one run per round, a window's rounds from its first visible chunk.
TEST(RingReadRuns, EveryRoundAnnouncesExactlyTheChunksItReads) {
  const uint32_t N = 4, D = 8, C = 16;
  const uint64_t T = 123;
  for (const AttentionRule& rule : {make_rule(true, 0, 0, D), make_rule(true, 21, 0, D)}) {
    for (uint32_t P : {1u, 2u, 3u}) {
      SchedulerRig rig;
      rig.init(Geometry{P, C, N, 2, D}, rule, false, T, 5 + P);
      ReadRunRecorder recorder(rig.store());
      rig.read_through(&recorder);
      // Key-split rounds (1 row, a few, a full round), then query-ring rounds.
      struct RoundCase {
        uint64_t start;
        std::size_t rows;
        bool query_ring;
      };
      const std::size_t full = static_cast<std::size_t>(P) * C;
      for (const RoundCase& rc : {RoundCase{0, 1, false}, RoundCase{9, 1, false}, RoundCase{122, 1, false},
                                  RoundCase{57, 5, false}, RoundCase{40, full, false}, RoundCase{0, full, true},
                                  RoundCase{40, full, true}, RoundCase{71, full - 3, true}}) {
        recorder.clear();
        const Status st = rig.run_rows(rc.start, rc.rows, rc.query_ring);
        ASSERT_TRUE(st.ok()) << st.message();
        std::set<uint64_t> announced;
        const std::string what = std::string(rule.window ? "window 21" : "causal") + ", " + std::to_string(P) +
                                 " workers, rows [" + std::to_string(rc.start) + ", +" + std::to_string(rc.rows) +
                                 (rc.query_ring ? "), query ring" : "), key split");
        EXPECT_TRUE(recorder.announced(C, &announced)) << what << ": overlapping or misaligned runs";
        EXPECT_EQ(announced, recorder.reads()) << what << ": announced " << positions(announced) << ", read "
                                               << positions(recorder.reads());
        EXPECT_GE(recorder.runs(), 1u) << what;
        EXPECT_LE(recorder.runs(), rc.query_ring ? 1u : P) << what;
      }
    }
  }
}

// A streaming round (a 1-token append) reads each worker's share in the order its
// store asks for: every kv head of a chunk before the next chunk for a store that
// reads chunk-major (the file store: each block once, in file order, even when the
// history is larger than the page cache), and one kv head's chunks before the next
// head's otherwise (a memory store: two long runs per head).
TEST(RingReadRuns, AStreamingRoundReadsInTheStoresOrder) {
  const uint32_t N = 4, G = 2, D = 8, C = 16;
  const uint64_t T = 123;
  for (bool chunk_major : {true, false}) {
    for (uint32_t P : {1u, 2u}) {
      SchedulerRig rig;
      rig.init(Geometry{P, C, N, G, D}, make_rule(true, 0, 0, D), false, T, 11 + P);
      ReadRunRecorder recorder(rig.store(), chunk_major);
      rig.read_through(&recorder);
      const Status st = rig.run_rows(T - 1, 1, false);
      ASSERT_TRUE(st.ok()) << st.message();
      const std::string what = std::string(chunk_major ? "chunk-major" : "head-major") + " store, " +
                               std::to_string(P) + " workers";
      std::size_t total = 0;
      for (const ReadRunRecorder::Sequence& seq : recorder.sequences()) {
        total += seq.size();
        for (std::size_t i = 1; i < seq.size(); ++i) {
          const auto& [start, head] = seq[i];
          const auto& [prev_start, prev_head] = seq[i - 1];
          if (chunk_major) {
            EXPECT_TRUE(start > prev_start || (start == prev_start && head >= prev_head))
                << what << ": chunk " << start << " head " << head << " read after chunk " << prev_start
                << " head " << prev_head;
          } else {
            EXPECT_TRUE(head > prev_head || (head == prev_head && start > prev_start))
                << what << ": head " << head << " chunk " << start << " read after head " << prev_head
                << " chunk " << prev_start;
          }
        }
      }
      EXPECT_EQ(recorder.sequences().size(), P) << what;   // one share per worker
      EXPECT_EQ(total, G * ((T + C - 1) / C)) << what;  // the keys of every chunk and kv head, once
    }
  }
}

}  // namespace
}  // namespace ringrt::test
