// What every session mode works on: the plan, the arena, the worker threads, the
// layers, the KV store, the worker ring, and the sequence so far. Built once by
// SessionImpl::init (session.cpp), in the order plan -> arena -> stores ->
// operators -> ring; a mode (session_mode.hpp) only runs rounds through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "arena.hpp"
#include "kv_store.hpp"
#include "kv_store_file.hpp"
#include "layer_stack.hpp"
#include "model_impl.hpp"
#include "residual_store.hpp"
#include "session_plan.hpp"
#include "thread_pool.hpp"
#include "worker_ring.hpp"
#include "worker_ring_buffers.hpp"

namespace ringrt {

struct SessionState {
  // Members are destroyed in reverse order: the arena, which holds the memory of
  // every operator below, goes last.
  Arena arena;
  const ModelImpl* model = nullptr;
  ModelOptions m;
  MemoryPlan plan;
  PlanDetails details{};
  ThreadPool threads;
  std::unique_ptr<KvStore> store;        // the KV history (memory or file)
  FileKvStore* file_store = nullptr;     // == store when the history is in a file
  std::unique_ptr<OneLayerKvStore> one_layer;  // layer by layer: every layer in one layer of store
  KvStore* ring_store = nullptr;         // what the worker ring reads: store, or one_layer
  ResidualStore residual;                // layer by layer only
  LayerStack layers;
  WorkerRingBuffers ring_buffers;
  WorkerRing ring;
  float* out = nullptr;  // the last timestep's output
  uint64_t length = 0;
  bool has_output = false;

  std::size_t round_rows() const { return static_cast<std::size_t>(plan.workers) * plan.chunk; }
  // An append's input is checked in this order, so that a call that does not fit
  // never reads past the rows it may have: the shape (one token or more, `width` ==
  // embed_dim), the room for `tokens` more in max_context, then the values (finite).
  Status check_shape(const float* x, std::size_t tokens, std::size_t width) const;
  Status check_capacity(std::size_t tokens) const;
  Status check_finite(const float* x, std::size_t tokens) const;
  // Bytes of the KV history: the file's blocks, or `positions` x `layers` in memory.
  uint64_t kv_bytes(uint64_t positions, uint32_t layers) const;
};

}  // namespace ringrt
