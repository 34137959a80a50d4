// ringrt C++ API: load a .rrt model once, create sessions, stream tokens.
//
//   std::unique_ptr<ringrt::Model> model;
//   ringrt::Status s = ringrt::Model::load("model.rrt", &model);
//   ringrt::SessionOptions opts;              // workers, chunk, max_context
//   std::unique_ptr<ringrt::Session> session;
//   s = ringrt::Session::create(*model, opts, &session);
//   s = session->append(x, n, embed_dim);     // any number of tokens, any time
//   const float* y = session->output();       // [hidden_size], last timestep
//   session->reset();                         // start a new sequence
//
// Every buffer a session uses is planned and allocated once, in Session::create;
// append(), output() and reset() never call the system heap. No exceptions are
// thrown; failures are reported as ringrt::Status values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ringrt/status.hpp"
#include "ringrt/transport.hpp"

namespace ringrt {

struct ModelInfo {
  uint32_t embed_dim;
  uint32_t hidden_size;
  uint32_t num_heads;
  uint32_t num_layers;
  uint16_t schema_major;
  uint16_t schema_minor;
  bool weights_f16;     // stored as float16 (widened to float32 at session creation)
  uint64_t file_bytes;  // size of the mapped model file
};

class ModelImpl;

// A verified, memory-mapped model. Immutable and shareable by any number of sessions
// (it must outlive them).
class RINGRT_API Model {
 public:
  struct LoadOptions {
    // Read every weight once at load: hash them to detect damage (the checksum), and
    // refuse a NaN or an Inf in any of them, naming the tensor and the element.
    // false: the weights are not read at load (neither check runs); a non-finite
    // weight then makes append() fail with StatusCode::kNonFinite, naming the layer
    // and the token where the NaN or Inf appeared.
    bool verify_checksum = true;
  };
  // mmaps `path`, runs the FlatBuffers verifier and checks identifier, schema version,
  // options, every tensor's name, shape, dtype, alignment and bounds, the checksum,
  // and that every weight is finite.
  static Status load(const char* path, std::unique_ptr<Model>* out);
  static Status load(const char* path, const LoadOptions& options, std::unique_ptr<Model>* out);
  ~Model();

  ModelInfo info() const;
  const ModelImpl& impl() const { return *impl_; }

 private:
  explicit Model(ModelImpl* impl) : impl_(impl) {}
  ModelImpl* impl_;
};

// How the KV history keeps its numbers (SessionOptions::kv_dtype; docs/kv-dtypes.md):
//   kF32   float32, exact (the default);
//   kF16   IEEE float16: half the bytes, relative error <= 2^-11 per number; a key
//          or value beyond +-65504 fails the append (kNonFinite), never stored as Inf;
//   kInt8  int8 with a float32 scale per head, position and kind (symmetric,
//          max|x| / 127): about a quarter of the bytes, error <= max|x| / 254 per number.
// The queries, the attention arithmetic and every other tensor stay float32.
enum class KvDtype : uint32_t { kF32 = 0, kF16 = 1, kInt8 = 2 };
// "f32", "f16", "int8" (or "unknown" for a value outside the enum).
RINGRT_API const char* kv_dtype_name(KvDtype dtype);
// The dtype named `name` ("f32", "f16" or "int8"); false for any other string.
RINGRT_API bool parse_kv_dtype(const char* name, KvDtype* out);

struct SessionOptions {
  uint32_t workers = 0;          // ring workers = threads; 0: number of online cores
  uint32_t chunk = 256;          // tokens per query block and per KV chunk
  uint64_t max_context = 8192;   // longest sequence the session accepts (KV history)
  // Where the KV history lives: nullptr or "memory" (inside the arena), or
  // "file:PATH" (a file on disk or flash; only a fixed working set stays in RAM).
  const char* kv_store = nullptr;
  // File store only. false: an existing store holding committed tokens is refused
  // (never silently overwritten); true: the session continues the stream the store
  // holds (length() tells where), or starts a new one if there is none.
  bool resume = false;
  // File store only: an application tag saved with the stream (e.g. a hash of its
  // input) and checked on resume, so a stream is never continued with other data.
  uint64_t stream_tag = 0;
  // How the KV history (memory or file) keeps its numbers; a file store records it
  // and is resumed only with the same dtype.
  KvDtype kv_dtype = KvDtype::kF32;
  // The ring of ranks this session is one rank of (ringrt/transport.hpp); nullptr:
  // a single process. With more than one rank every Session call is collective,
  // the input is read from rank 0's arguments, all_outputs is filled on rank 0 and
  // output() is available on every rank. Every rank needs the same workers, chunk
  // and max_context; a file store path gets ".rank<r>" appended. resume is not
  // supported across ranks yet. The transport must outlive the session.
  RingTransport* transport = nullptr;
};

// One named buffer of the session's arena.
struct PlanEntry {
  const char* name;   // static string, e.g. "kv.store"
  uint64_t bytes;
  uint64_t offset;    // from the start of the arena
};

// Every buffer a session allocates, computed without allocating it.
struct MemoryPlan {
  static constexpr std::size_t kMaxEntries = 32;
  PlanEntry entries[kMaxEntries];
  std::size_t count = 0;
  uint64_t arena_bytes = 0;     // one allocation holding every entry
  uint64_t kv_bytes = 0;        // KV history bytes at max_context
  KvDtype kv_dtype = KvDtype::kF32;  // how the KV history keeps its numbers
  bool kv_in_arena = true;      // memory store: kv_bytes are part of arena_bytes; file store: on disk
  uint32_t workers = 0;         // resolved worker count
  uint32_t chunk = 0;
  uint64_t max_context = 0;
  uint32_t ranks = 1;           // processes in the ring (SessionOptions::transport)
  uint32_t rank = 0;
  uint64_t kv_positions = 0;    // positions this rank's KV store holds at most: its share of max_context
  // A causal sliding-window model: the KV store is a window buffer of kv_positions (the
  // window, a chunk and a round), reused in a circle, and the sequence may grow without
  // limit (max_context unused).
  bool kv_window_buffer = false;
  // A bidirectional model runs layer by layer over the whole sequence at every append:
  // the KV store holds one layer, and the residual stream of every position (two
  // streams: the embedded input and the current layer's) waits between layers, in the
  // arena with the memory store or in KVPATH.residual with a file store.
  bool layer_by_layer = false;
  uint64_t residual_bytes = 0;
  // XNNPACK's operators live in the arena. XNNPACK keeps the first allocator any
  // caller of xnn_initialize gives it: if the host process initialised XNNPACK
  // before ringrt, this is false, the operators (packed weights, ring slots) come
  // from the host's allocator instead, are not counted in arena_bytes, and the
  // KV chunks packed during append() allocate through it.
  bool xnnpack_in_arena = true;
};

// Computes the plan a Session::create with these options would allocate.
RINGRT_API Status plan_session(const Model& model, const SessionOptions& options, MemoryPlan* plan);

class SessionImpl;

class RINGRT_API Session {
 public:
  static Status create(const Model& model, const SessionOptions& options, std::unique_ptr<Session>* out);
  ~Session();

  // Feeds `tokens` rows of `width` floats (row-major; width must equal embed_dim).
  // On success the last-timestep output is available from output(). If
  // `all_outputs` is non-null it receives tokens * hidden_size floats: the output
  // of every appended timestep. No output is ever NaN or Inf. On failure the
  // session stays usable and length() tells how many tokens it holds:
  //  - input errors (wrong width, NaN/Inf in x, beyond max_context) are found
  //    before any work, and the session keeps the sequence it had;
  //  - a failure while the layers run keeps the rounds of this append completed
  //    before the one that failed (a bidirectional model, which recomputes the
  //    whole sequence, keeps the sequence it had), and output() is the last kept
  //    token's (all_outputs rows past them are unspecified). StatusCode::kNonFinite: a NaN
  //    or an Inf appeared inside the model (finite inputs or weights overflowing
  //    float32); the message names the layer (or the input projection, or the final
  //    LayerNorm), the token (its position in the sequence) and the feature.
  Status append(const float* x, std::size_t tokens, std::size_t width, float* all_outputs = nullptr);

  // Bidirectional models (plan().layer_by_layer): stores the tokens without running the
  // layers, so that a long input can arrive in pieces and the whole sequence runs once,
  // at the next append(). output() is unavailable until then. Any other model: the
  // same as append(x, tokens, width).
  Status append_deferred(const float* x, std::size_t tokens, std::size_t width);

  // Last-timestep output, hidden_size floats; nullptr before the first append.
  const float* output() const;
  uint64_t length() const;  // tokens in the current sequence
  void reset();             // forget the sequence (a file store's too); keeps every buffer
  // Drops the tokens after the first `length` (length <= length()); output() is
  // unavailable until the next append. Used to recompute a resumed stream's last output.
  Status truncate(uint64_t length);
  // Bytes the KV store occupies: the arena share for the memory store, the
  // allocated blocks of the file for the file store.
  uint64_t kv_bytes_stored() const;

  const MemoryPlan& plan() const;
  // Distributed sessions: this rank's time in the ring across ranks.
  const RingStats& ring_stats() const;
  void clear_ring_stats();

 private:
  explicit Session(SessionImpl* impl) : impl_(impl) {}
  SessionImpl* impl_;
};

RINGRT_API const char* version();

// The attention kernel this process runs, picked for its CPU at first use: "avx512",
// "avx2", "sse2", "neon" or "reference" (RINGRT_ATTENTION_KERNEL in the environment
// asks for one of those this CPU runs; a session refuses any other name).
RINGRT_API const char* attention_kernel_name();

// FNV-1a 64-bit hash of `bytes` at `data`, continuing from `hash`: a cheap tag for
// SessionOptions::stream_tag (ringrt-run tags a stream with the hash of its input).
// Not cryptographic.
constexpr uint64_t kHashSeed = 0xcbf29ce484222325ull;
RINGRT_API uint64_t hash_bytes(const void* data, std::size_t bytes, uint64_t hash = kHashSeed);

}  // namespace ringrt
