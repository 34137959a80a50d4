/* ringrt C API: the same model/session life cycle as ringrt.hpp, for C callers.
 *
 *   char err[512];
 *   ringrt_model* model;
 *   if (ringrt_model_load("model.rrt", &model, err, sizeof err) != RINGRT_OK) { puts(err); ... }
 *   ringrt_session_options opts;
 *   ringrt_session_options_init(&opts);        // struct_size and the defaults: workers 0 (= cores),
 *                                              // chunk 256, max_context 8192, kv_store NULL (memory)
 *   ringrt_session* session;
 *   ringrt_session_create(model, &opts, &session, err, sizeof err);
 *   ringrt_session_append(session, x, tokens, embed_dim, NULL, err, sizeof err);
 *   const float* y = ringrt_session_output(session);    // hidden_size floats
 *   ringrt_session_free(session); ringrt_model_free(model);
 *
 * Every function that can fail returns a ringrt_status (0 = success) and, when
 * `err` is non-NULL, writes a NUL-terminated message into it.
 */
#ifndef RINGRT_RINGRT_H_
#define RINGRT_RINGRT_H_

#include <stddef.h>
#include <stdint.h>

#include "ringrt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ringrt_status {
  RINGRT_OK = 0,
  RINGRT_INVALID_ARGUMENT = 1,
  RINGRT_INVALID_MODEL = 2,
  RINGRT_UNSUPPORTED_VERSION = 3,
  RINGRT_IO_ERROR = 4,
  RINGRT_OUT_OF_MEMORY = 5,
  RINGRT_CAPACITY_EXCEEDED = 6,
  RINGRT_INTERNAL = 7,
  RINGRT_PEER_FAILED = 8,
  RINGRT_NON_FINITE = 9 /* a NaN or an Inf appeared in the computation: the input or the weights overflow float32 */
} ringrt_status;

typedef struct ringrt_model ringrt_model;
typedef struct ringrt_session ringrt_session;

/* Every options and result struct starts with `struct_size`, which its _init
 * function sets to the sizeof the struct this header declares. The library reads
 * and writes only the fields that fit in struct_size, so a program built against
 * this header keeps working with a later library whose structs have grown (fields
 * are only ever added at the end). Always call the _init function first. */

/* How ringrt_model_load_with_options loads (ringrt::Model::LoadOptions). */
typedef struct ringrt_load_options {
  size_t struct_size;
  /* Non-zero (default): read every weight once at load, check the file's data
   * checksum and refuse a NaN or an Inf, naming the tensor and the element. Zero:
   * skip both (a faster start; a non-finite weight then fails an append with
   * RINGRT_NON_FINITE). */
  int verify_checksum;
} ringrt_load_options;

RINGRT_API void ringrt_load_options_init(ringrt_load_options* options);

/* A session's options (ringrt::SessionOptions: the same names and defaults). */
typedef struct ringrt_session_options {
  size_t struct_size;
  uint32_t workers;     /* ring workers (threads); 0 = number of online cores */
  uint32_t chunk;       /* tokens per query block and KV chunk (default 256) */
  uint64_t max_context; /* longest sequence the session accepts (default 8192) */
  /* Where the KV history lives: NULL or "memory" (in the arena), or "file:PATH"
   * (a file on disk or flash, locked while the session is open; RAM use stays
   * fixed however long the sequence). Read during ringrt_session_create only. */
  const char* kv_store;
  /* File store only. Zero (default): an existing store holding committed tokens
   * is refused, never overwritten. Non-zero: continue the stream the store holds
   * (ringrt_session_length tells where), or start one if there is none. */
  int resume;
  /* File store only: a tag saved with the stream (e.g. ringrt_hash_bytes of its
   * input) and checked on resume, so a stream is never continued with other data. */
  uint64_t stream_tag;
  /* How the KV history keeps its numbers (ringrt::KvDtype): RINGRT_KV_F32 (default,
   * exact), RINGRT_KV_F16 (half the bytes) or RINGRT_KV_INT8 (int8 with a scale per
   * position and head). A file store records it and is resumed only with the same
   * one. (Added after the first version of this struct: struct_size tells.) */
  uint32_t kv_dtype;
} ringrt_session_options;

#define RINGRT_KV_F32 0u
#define RINGRT_KV_F16 1u
#define RINGRT_KV_INT8 2u

RINGRT_API void ringrt_session_options_init(ringrt_session_options* options);

/* What a model file holds (ringrt::ModelInfo). */
typedef struct ringrt_model_info {
  size_t struct_size;
  uint32_t embed_dim;
  uint32_t hidden_size;
  uint32_t num_heads;
  uint32_t num_layers;
  uint16_t schema_major;
  uint16_t schema_minor;
  int weights_f16;     /* stored as float16 (widened to float32 at session creation) */
  uint64_t file_bytes; /* size of the mapped model file */
} ringrt_model_info;

RINGRT_API void ringrt_model_info_init(ringrt_model_info* info);

/* One named buffer of a session's arena; `name` is a static string. */
typedef struct ringrt_plan_entry {
  const char* name;
  uint64_t bytes;
  uint64_t offset; /* from the start of the arena */
} ringrt_plan_entry;

#define RINGRT_MAX_PLAN_ENTRIES 32

/* Every buffer a session allocates, known before it is created (ringrt::MemoryPlan). */
typedef struct ringrt_memory_plan {
  size_t struct_size;
  uint64_t arena_bytes;    /* the one allocation holding every entry */
  uint64_t kv_bytes;       /* KV history bytes at max_context */
  int kv_in_arena;         /* memory store: kv_bytes are part of arena_bytes; file store: on disk */
  uint32_t workers;        /* the resolved worker count */
  uint32_t chunk;
  uint64_t max_context;
  uint64_t kv_positions;   /* positions the KV store holds at most */
  int kv_window_buffer;    /* sliding-window model: the store is a window reused in a circle */
  int layer_by_layer;      /* bidirectional model: the whole sequence runs at every append */
  uint64_t residual_bytes; /* layer_by_layer: the residual streams' bytes */
  int xnnpack_in_arena;    /* zero if the host initialised XNNPACK first (its operators are then outside the arena) */
  size_t entry_count;
  ringrt_plan_entry entries[RINGRT_MAX_PLAN_ENTRIES];
  uint32_t kv_dtype;       /* RINGRT_KV_*: how the KV history keeps its numbers (added later: struct_size tells) */
} ringrt_memory_plan;

RINGRT_API void ringrt_memory_plan_init(ringrt_memory_plan* plan);

RINGRT_API ringrt_status ringrt_model_load(const char* path, ringrt_model** out, char* err, size_t err_size);
RINGRT_API ringrt_status ringrt_model_load_with_options(const char* path, const ringrt_load_options* options,
                                                        ringrt_model** out, char* err, size_t err_size);
RINGRT_API void ringrt_model_free(ringrt_model* model);
RINGRT_API uint32_t ringrt_model_embed_dim(const ringrt_model* model);
RINGRT_API uint32_t ringrt_model_hidden_size(const ringrt_model* model);
/* Fills *info (its struct_size set by ringrt_model_info_init). */
RINGRT_API ringrt_status ringrt_model_get_info(const ringrt_model* model, ringrt_model_info* info, char* err,
                                               size_t err_size);

/* The plan a ringrt_session_create with these options would allocate, computed
 * without allocating it (options NULL: the defaults). */
RINGRT_API ringrt_status ringrt_plan_session(const ringrt_model* model, const ringrt_session_options* options,
                                             ringrt_memory_plan* plan, char* err, size_t err_size);

RINGRT_API ringrt_status ringrt_session_create(const ringrt_model* model, const ringrt_session_options* options,
                                               ringrt_session** out, char* err, size_t err_size);
/* Appends `tokens` rows of `width` floats; all_outputs (optional) receives tokens * hidden_size floats.
 * On failure the session stays usable and ringrt_session_length tells how many tokens it holds. */
RINGRT_API ringrt_status ringrt_session_append(ringrt_session* session, const float* x, size_t tokens, size_t width,
                                               float* all_outputs, char* err, size_t err_size);
/* Bidirectional models: stores the tokens; the whole sequence runs at the next
 * ringrt_session_append. Any other model: the same as an append. */
RINGRT_API ringrt_status ringrt_session_append_deferred(ringrt_session* session, const float* x, size_t tokens,
                                                        size_t width, char* err, size_t err_size);
/* Last-timestep output (hidden_size floats), or NULL before the first append. */
RINGRT_API const float* ringrt_session_output(const ringrt_session* session);
RINGRT_API uint64_t ringrt_session_length(const ringrt_session* session);
/* Drops the tokens after the first `length`; the output is unavailable until the next append. */
RINGRT_API ringrt_status ringrt_session_truncate(ringrt_session* session, uint64_t length, char* err,
                                                 size_t err_size);
/* Bytes of the session's arena (every buffer it uses, allocated at creation). */
RINGRT_API uint64_t ringrt_session_arena_bytes(const ringrt_session* session);
/* Bytes the KV history occupies now (its arena share, or the file store's allocated blocks). */
RINGRT_API uint64_t ringrt_session_kv_bytes_stored(const ringrt_session* session);
/* The session's plan (its struct_size set by ringrt_memory_plan_init). */
RINGRT_API ringrt_status ringrt_session_get_plan(const ringrt_session* session, ringrt_memory_plan* plan, char* err,
                                                 size_t err_size);
RINGRT_API void ringrt_session_reset(ringrt_session* session);
RINGRT_API void ringrt_session_free(ringrt_session* session);

/* FNV-1a 64 of `bytes` at `data`, continuing from `hash` (start with RINGRT_HASH_SEED):
 * a tag for ringrt_session_options.stream_tag. Not cryptographic. */
#define RINGRT_HASH_SEED 0xcbf29ce484222325ull
RINGRT_API uint64_t ringrt_hash_bytes(const void* data, size_t bytes, uint64_t hash);

RINGRT_API const char* ringrt_version(void);
/* The attention kernel this process runs: "avx512", "avx2", "sse2", "neon" or "reference". */
RINGRT_API const char* ringrt_attention_kernel_name(void);

#ifdef __cplusplus
}
#endif

#endif /* RINGRT_RINGRT_H_ */
