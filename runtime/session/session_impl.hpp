// SessionImpl: the state behind ringrt::Session. session.cpp runs rounds through
// the layers; session_distributed.cpp holds what a session of several ranks adds
// (agreeing on each call, scattering the input, gathering the outputs).
#pragma once

#include "arena.hpp"
#include "kv_store.hpp"
#include "kv_store_file.hpp"
#include "local_transport.hpp"
#include "model_impl.hpp"
#include "session_plan.hpp"
#include "residual_store.hpp"
#include "rank_ring.hpp"
#include "worker_ring.hpp"
#include "shard_schedule.hpp"
#include "thread_pool.hpp"
#include "xnn_allocator.hpp"
#include "xnn_fully_connected.hpp"

namespace ringrt {

// The four dense operators of a layer, in plan order.
enum LayerOp { kQkvOp = 0, kOutOp = 1, kUpOp = 2, kDownOp = 3, kLayerOps = 4 };

// Offsets (in floats) of a layer's norm parameters inside weights.norms.
enum NormParam { kAttnGamma = 0, kAttnBeta = 1, kFfnGamma = 2, kFfnBeta = 3 };

class SessionImpl {
 public:
  ~SessionImpl();
  Status init(const ModelImpl& model, const SessionOptions& options);
  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs);
  Status append_deferred(const float* x, std::size_t tokens, std::size_t width);
  const float* output() const { return has_output_ ? out_ : nullptr; }
  uint64_t length() const { return length_; }
  void reset() { (void)truncate(0); }
  Status truncate(uint64_t length);
  uint64_t kv_bytes_stored() const;
  const MemoryPlan& plan() const { return plan_; }
  const RingStats& ring_stats() const { return exchange_.stats(); }
  void clear_ring_stats() { exchange_.clear_stats(); }

 private:
  float* buffer(ArenaEntry slot) const { return reinterpret_cast<float*>(arena_.at(plan_.entries[slot].offset)); }
  const float* weights_f32(TensorRole role, uint32_t layer, float* scratch) const;
  // A small tensor (norm parameters, sinks) as count float32 values at dst.
  void copy_f32(TensorRole role, uint32_t layer, float* dst, std::size_t count) const;
  Status create_dense_ops();
  Status run_round(const float* x, std::size_t tokens, float* all_outputs);
  // The input rows x -> the residual stream h (the input projection, or a copy).
  Status embed_rows(const float* x, std::size_t rows, float* h);
  // The dense part of a layer after attention: out projection, FFN, both residual adds.
  Status finish_layer(uint32_t layer, std::size_t rows);
  // Bidirectional models (session_bidirectional.cpp): layer by layer over everything.
  Status append_layer_by_layer(const float* x, std::size_t tokens, float* all_outputs);
  Status store_inputs(const float* x, std::size_t tokens);
  Status layer_pass(uint32_t layer, uint64_t total, bool keys);
  Status run_layer(uint32_t layer, const ShardSlice& slice, std::size_t tokens);
  Status check_append(const float* x, std::size_t tokens, std::size_t width) const;
  // Distributed sessions (more than one rank).
  bool distributed() const { return transport_->ranks() > 1; }
  Status check_same_options_on_every_rank(const ModelImpl& model);
  Status agree_on_append(Status local, std::size_t tokens, bool want_all);
  // Every rank learns the first rank whose `local` failed (its Status, with its
  // rank), so no rank goes on into the ring while another has given up.
  Status agree(const Status& local);
  // Rank 0's `bytes` at `data` to every rank, point to point, so that a rank that
  // stopped answering is named (a broadcast that times out cannot say which).
  Status from_root(void* data, std::size_t bytes);
  Status scatter_input(const float* x, uint64_t start, std::size_t tokens, const ShardSlice& mine,
                       const float** rows_out);
  Status gather_outputs(const ShardSlice& mine, uint64_t start, std::size_t tokens, float* all_outputs);
  uint64_t local_length(uint64_t length) const {
    return distributed() ? schedule_.owned_before(transport_->rank(), length) : length;
  }
  void norm_rows(const float* in, float* out, std::size_t rows, const float* gamma, const float* beta);
  void add_rows(float* acc, const float* add, std::size_t count);
  const float* norm(uint32_t layer, NormParam p) const { return norms_ + (layer * 4 + p) * m_.hidden_size; }

  const ModelImpl* model_ = nullptr;
  ModelOptions m_;
  MemoryPlan plan_;
  PlanDetails details_{};
  Arena arena_;
  ThreadPool threads_;

  FullyConnected input_op_;
  FullyConnected* layer_ops_ = nullptr;  // num_layers * kLayerOps
  MemoryPool* dense_pools_ = nullptr;    // 1 + num_layers * kLayerOps

  FullyConnected* slot_ops_ = nullptr;   // (workers + 1) * 2 * heads
  MemoryPool* slot_pools_ = nullptr;
  FullyConnected* split_ops_ = nullptr;  // workers * (heads + 1): the key split's operators
  MemoryPool* split_pools_ = nullptr;
  RingSlot slots_[65];
  RingWorkerBuffers workers_[64];
  KvStore* store_ = nullptr;
  FileKvStore* file_store_ = nullptr;  // == store_ when the history is in a file
  OneLayerKvStore* one_layer_ = nullptr;  // layer by layer: every layer in one layer of store_
  KvStore* ring_store() const { return one_layer_ ? static_cast<KvStore*>(one_layer_) : store_; }
  ResidualStore residual_;             // layer by layer only
  WorkerRing ring_;
  LocalTransport local_transport_;
  RingTransport* transport_ = &local_transport_;
  ShardSchedule schedule_{1, 1};
  RankRing exchange_;
  bool want_all_ = false;  // distributed: rank 0 asked for every timestep's output

  float* norms_ = nullptr;  // f32 LayerNorm parameters, see norm()
  float* out_ = nullptr;
  uint64_t length_ = 0;
  bool has_output_ = false;
};

}  // namespace ringrt
